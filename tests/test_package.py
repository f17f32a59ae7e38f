"""The public surface: what ``import sr_frames`` offers, pinned so a change is deliberate."""

import socket
import subprocess
import sys

import pandas as pd
import pytest

import sr_frames
from sr_frames.endpoints import ENDPOINTS

PUBLIC = [
    "APIStatusError", "AsyncClient", "AuthenticationError", "BadRequestError", "CacheInfo",
    "CacheWarning", "Client", "ClientStats", "ConfigurationError", "ConnectError",
    "ConnectionDropped", "Estimate", "InvalidResponseError", "MissingCredentialsError",
    "NotFoundError", "PermissionDeniedError", "RateLimitError", "RequestTimeout",
    "RequestValidationError", "RunReport", "SalesRocksError", "ServerError", "TransportError",
    "WorkbookError",
    "__version__", "cache_info", "campaign_stats", "clear_cache", "configure",
    "create_email_connections", "create_email_warmers", "create_list", "delete_contacts",
    "forget_logins", "get_lists", "last_report", "read_list", "read_table", "reconcile", "update_contacts",
    "write_table",
]


def test_the_exported_names_are_pinned():
    assert sorted(sr_frames.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(sr_frames, name) is not None


def test_importing_registers_both_accessors():
    frame_verbs = dir(pd.DataFrame({"email": []}).salesrocks)
    for verb in ("verify_emails", "verify_phones", "find_email", "generate_emails",
                 "email_patterns", "linkedin_contacts", "company_email", "contact_emails",
                 "contact_email", "list_memberships", "push_to_list", "estimate"):
        assert verb in frame_verbs
    assert "verify_emails_async" in frame_verbs
    assert "verify_emails" in dir(pd.Series([], dtype=object).salesrocks)


def test_the_accessors_register_the_moment_pandas_is_imported_and_load_on_first_use():
    code = """
import sys
import sr_frames
print("pandas" in sys.modules)
import pandas as pd
from sr_frames.accessor import SalesRocksFrameAccessor, SalesRocksSeriesAccessor
print(isinstance(pd.DataFrame({"email": []}).salesrocks, SalesRocksFrameAccessor),
      isinstance(pd.Series([], dtype=object).salesrocks, SalesRocksSeriesAccessor),
      pd.DataFrame.salesrocks.verify_emails is SalesRocksFrameAccessor.verify_emails)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True", "True", "True"]
    assert done.stderr == ""  # no warning: pandas saw each name registered once


@pytest.mark.parametrize("first", ["sr_frames.enrich.plan", "sr_frames.accessor", "sr_frames.files.workbook"])
def test_the_accessors_register_whichever_module_imports_pandas_first(first):
    # each of these imports pandas halfway through its own import: registering must not
    # need the half-imported module
    code = f"""
import {first}
import pandas as pd
from sr_frames.accessor import SalesRocksFrameAccessor
print(isinstance(pd.DataFrame({{"email": []}}).salesrocks, SalesRocksFrameAccessor))
"""
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr


def test_every_cacheable_endpoint_has_a_verb_with_an_error_column():
    verbs = {"verify_email", "verify_phones", "email_patterns", "linkedin_contacts",
             "company_email", "contact_emails", "contact_email", "find_email_by_company",
             "find_email", "list_memberships", "generate_emails"}
    cacheable = {e.method for e in ENDPOINTS if e.cacheable}
    assert cacheable == verbs
    for e in ENDPOINTS:
        if e.cacheable:
            assert e.columns and e.error_column, e.method


def test_the_library_never_imports_the_sandbox_or_dask_on_import():
    prefixes = ("sr_frames.sandbox", "dask", "aiohttp.web")
    code = f"import sys, sr_frames; print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_importing_loads_no_heavy_dependency_until_it_is_used():
    heavy = ("aiohttp", "openpyxl", "phonenumbers", "email_validator")
    code = f"""
import sys
import sr_frames
loaded = lambda: sorted(m for m in {heavy!r} if m in sys.modules)
print(loaded())
from sr_frames import Client, read_table, create_list  # the names users import still work
print(loaded())
import pandas as pd
pd.DataFrame({{"email": ["two..dots@example.com"]}}).salesrocks.verify_emails(cache=False, progress=False)
print(loaded())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:3] == [
        "[]",                                             # import sr_frames
        "['openpyxl']",                                   # read_table is a workbook reader
        "['email_validator', 'openpyxl']",                # a bad address asked email_validator
    ]


def test_no_test_can_connect_beyond_this_machine():
    # what a resolver that bypasses getaddrinfo would try next: an address, straight
    with socket.socket() as sock, pytest.raises(OSError, match=r"127\.0\.0\.1 only"):
        sock.connect(("198.51.100.7", 443))


def test_no_test_can_reach_the_real_service():
    with sr_frames.Client(base_url="https://api.sales.rocks", max_retries=0) as client:
        try:
            client.verify_email("a@example.com")
        except sr_frames.SalesRocksError as refused:
            assert isinstance(refused, sr_frames.ConnectError | sr_frames.ConfigurationError)
        else:
            raise AssertionError("a request left this machine")
