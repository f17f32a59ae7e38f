"""sr_frames: the Sales.Rocks API behind a pandas accessor.

``import sr_frames`` registers ``df.salesrocks`` and ``series.salesrocks`` (now if pandas
is imported, else the moment it is; it imports no pandas itself). Every read
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

from typing import TYPE_CHECKING

from sr_frames.config import configure
from sr_frames.dask.on_import import register_on_import as _register_dask_on_import
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
    WorkbookError,
)
from sr_frames.polars import register_on_import as _register_polars_on_import
from sr_frames.registration import register_on_import as _register_pandas_on_import

__version__ = "0.1.0"

# Names whose modules are imported on first use (the client loads asyncio and, on its
# first request, aiohttp; the cache SQLite; workbooks openpyxl), so ``import sr_frames``
# costs little more than pandas. ``sr_frames.Client`` and ``from sr_frames import
# Client`` work as before.
_LAZY = {
    "AsyncClient": "sr_frames.client.clients",
    "Client": "sr_frames.client.clients",
    "ClientStats": "sr_frames.client.clients",
    "forget_logins": "sr_frames.client.auth",
    "CacheInfo": "sr_frames.cache.store",
    "CacheWarning": "sr_frames.cache.store",
    "cache_info": "sr_frames.cache.store",
    "clear_cache": "sr_frames.cache.store",
    "Estimate": "sr_frames.enrich.estimate",
    "read_table": "sr_frames.files.workbook",
    "write_table": "sr_frames.files.workbook",
    "campaign_stats": "sr_frames.lists.campaigns",
    "create_list": "sr_frames.lists.contacts",
    "delete_contacts": "sr_frames.lists.contacts",
    "get_lists": "sr_frames.lists.contacts",
    "read_list": "sr_frames.lists.contacts",
    "update_contacts": "sr_frames.lists.contacts",
    "create_email_connections": "sr_frames.lists.mailboxes",
    "create_email_warmers": "sr_frames.lists.mailboxes",
    "reconcile": "sr_frames.lists.push",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sr_frames' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


_register_pandas_on_import()  # df/series.salesrocks once pandas is imported; the verbs on first use
_register_dask_on_import()  # ddf.salesrocks once dask.dataframe is imported; imports no Dask
_register_polars_on_import()  # pl.DataFrame/LazyFrame/Series.salesrocks once polars is imported

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from sr_frames.cache.store import CacheInfo, CacheWarning, cache_info, clear_cache
    from sr_frames.client.auth import forget_logins
    from sr_frames.client.clients import AsyncClient, Client, ClientStats
    from sr_frames.enrich.estimate import Estimate
    from sr_frames.files.workbook import read_table, write_table
    from sr_frames.lists.campaigns import campaign_stats
    from sr_frames.lists.contacts import create_list, delete_contacts, get_lists, read_list, update_contacts
    from sr_frames.lists.mailboxes import create_email_connections, create_email_warmers
    from sr_frames.lists.push import reconcile

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
    "WorkbookError",
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
