"""sr_frames: the Sales.Rocks API behind a pandas accessor.

``import sr_frames`` registers ``df.salesrocks`` and ``series.salesrocks``. Every read
endpoint is a verb that sends one request per distinct input, serves repeats from a
disk cache, and returns a new frame with result columns added::

    import pandas as pd
    import sr_frames

    leads = pd.read_csv("leads.csv")
    checked = leads.salesrocks.verify_emails("email")
    checked.attrs["salesrocks"]          # the run report

Credentials come from ``sr_frames.configure(...)`` or ``SALESROCKS_USERNAME`` /
``SALESROCKS_PASSWORD`` (or ``SALESROCKS_TOKEN``).
"""

from sr_frames import accessor as _accessor  # noqa: F401  (registers the accessors)
from sr_frames.cache.store import CacheInfo, CacheWarning, cache_info, clear_cache
from sr_frames.client.auth import forget_logins
from sr_frames.client.clients import AsyncClient, Client, ClientStats
from sr_frames.config import configure
from sr_frames.dask import accessor as _dask_accessor
from sr_frames.enrich.estimate import Estimate
from sr_frames.enrich.report import RunReport, last_report
from sr_frames.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConnectError,
    ConnectionDropped,
    InvalidResponseError,
    MissingCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    RequestValidationError,
    SalesRocksError,
    ServerError,
    TransportError,
)
from sr_frames.files.workbook import read_table, write_table
from sr_frames.lists.campaigns import campaign_stats
from sr_frames.lists.contacts import create_list, delete_contacts, get_lists, read_list, update_contacts
from sr_frames.lists.mailboxes import create_email_connections, create_email_warmers
from sr_frames.lists.push import reconcile
from sr_frames.polars import register_on_import as _register_polars

__version__ = "0.1.0"

_dask_accessor.register_on_import()  # ddf.salesrocks once dask.dataframe is imported; imports no Dask
_register_polars()  # pl.DataFrame/LazyFrame/Series.salesrocks once polars is imported; imports no Polars

__all__ = [
    "APIStatusError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "CacheInfo",
    "CacheWarning",
    "Client",
    "ClientStats",
    "ConfigurationError",
    "ConnectError",
    "ConnectionDropped",
    "Estimate",
    "InvalidResponseError",
    "MissingCredentialsError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeout",
    "RequestValidationError",
    "RunReport",
    "SalesRocksError",
    "ServerError",
    "TransportError",
    "__version__",
    "cache_info",
    "campaign_stats",
    "clear_cache",
    "configure",
    "create_email_connections",
    "create_email_warmers",
    "create_list",
    "delete_contacts",
    "forget_logins",
    "get_lists",
    "last_report",
    "read_list",
    "read_table",
    "reconcile",
    "update_contacts",
    "write_table",
]
