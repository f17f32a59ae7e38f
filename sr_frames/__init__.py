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

from . import accessor as _accessor  # noqa: F401  (registers the accessors)
from . import dask_accessor as _dask_accessor
from .auth import forget_logins
from .cache import CacheInfo, CacheWarning, cache_info, clear_cache
from .client import AsyncClient, Client, ClientStats
from .config import configure
from .errors import (
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
from .estimate import Estimate
from .excel import read_table, write_table
from .lists import (
    campaign_stats,
    create_list,
    delete_contacts,
    get_lists,
    read_list,
    update_contacts,
)
from .mailboxes import create_email_connections, create_email_warmers
from .push import reconcile
from .report import RunReport, last_report

__version__ = "0.1.0"

_dask_accessor.register_on_import()  # ddf.salesrocks once dask.dataframe is imported; imports no Dask

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
