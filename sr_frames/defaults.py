"""Every default and limit of the library, named, in one place.

The README, the client, the sandbox and the tests agree on one number because they
read it here. Imports nothing of the package.
"""

from __future__ import annotations

DEFAULT_BASE_URL = "https://api.sales.rocks"


DEFAULT_MAX_CONCURRENCY = 32


DEFAULT_MAX_RETRIES = 3


DEFAULT_BACKOFF_INITIAL = 0.5


DEFAULT_BACKOFF_MAX = 8.0


DEFAULT_RETRY_AFTER_CEILING = 60.0


DEFAULT_TIMEOUT = 30.0


DEFAULT_CONNECT_TIMEOUT = 10.0


DEFAULT_TOKEN_REFRESH_MARGIN = 60.0


DEFAULT_BATCH_SIZE = 100


DEFAULT_PAGE_SIZE = 100


RETRY_BUDGET_FLOOR = 10
"""Retries always allowed over a client's lifetime, whatever the failure rate."""


RETRY_BUDGET_RATIO = 0.2
"""Further retries allowed per first attempt (20 %)."""


RETRY_BUDGET_WINDOW = 60.0
"""Seconds of history the retry budget counts."""


RATE_LIMIT_LATE_WAKE_SLACK = 0.1
"""How late, as a share of ``1 / rate_limit``, a rate-limited attempt may wake and still
leave the next one's turn where it was; a later wake restarts the spacing from itself."""


JITTER_SPREAD = 0.25
"""A backoff delay is shortened by up to this fraction, drawn at random."""


MAX_RATE_LIMITED_WAITS = 20
"""429s one request may wait out before its RateLimitError is raised."""


DEFAULT_TOKEN_LIFETIME = 3600.0
"""Lifetime assumed when a login answer carries no readable ``expires_in``."""


GC_YOUNG_THRESHOLD_SENDING = 10_000
"""The cyclic collector's first threshold while a run has requests in flight (Python's
default is 700): see :func:`sr_frames.enrich.collector.spaced`."""

SQLITE_KEYS_PER_SELECT = 500
"""Keys per ``SELECT ... IN`` when the cache or the ledger reads many rows: well under
SQLite's bound-parameter limit."""
CACHE_ROWS_PER_UPSERT = 128
"""Rows one cache upsert statement writes at the most (a batch is statements of 128 rows
and one of the rest), so a batch costs a few SQLite steps rather than one per answer."""
CACHE_CHECKPOINT_PAGES = 10_000
"""Pages (4 kB each) the cache's write-ahead log grows to before SQLite folds it into
the database. Each fold ends in two fsyncs and copies again the pages every commit
touches (the counters, the ends of the indexes), so folding every 10,000 pages instead
of SQLite's 1,000 halves the blocking; a fold of 10,000 takes about 50 ms. The database
stays open between runs, so the log is not also folded at the end of each one."""
CACHE_LOCK_TIMEOUT = 5.0
"""Seconds a cache operation waits for another writer's lock before it gives up (a miss)."""

CACHE_WRITE_WINDOW = 0.05
"""Seconds within which an answer that arrived during a run is committed to the cache:
answers are written in small transactions, one per window, not one each."""

CACHE_WRITE_WINDOW_LEAST = 0.6
"""The shortest window a batch of answers waits, as a share of ``CACHE_WRITE_WINDOW``:
each batch's window is drawn between the two, so commits do not fall in step with
answers that arrive in waves."""

CACHE_WRITE_BATCH = 256
"""Answers per transaction at most: a batch this full is committed at once."""


LEDGER_LOCK_TIMEOUT = 30.0
"""Seconds a push-ledger write waits for another process's lock."""


LANDING_WAIT_CAP = 600.0
"""The longest a push waits for requests sent without an answer to land before reading
the list back (a bound on a clock that jumped)."""


ENV_USERNAME = "SALESROCKS_USERNAME"


ENV_PASSWORD = "SALESROCKS_PASSWORD"


ENV_TOKEN = "SALESROCKS_TOKEN"


ENV_BASE_URL = "SALESROCKS_BASE_URL"


ENV_CACHE_DIR = "SALESROCKS_CACHE_DIR"


SANDBOX_MAX_BODY_BYTES = 4 * 1024 * 1024
"""Largest request body the sandbox reads (4 MiB; a batch of 100 contacts of fifty
200-character fields is 1 MB). Beyond it: 413 before the body is read, from the
``Content-Length`` header when there is one."""


SANDBOX_MAX_ITEMS = 1000
"""Most items in one array field of a sandbox request (phones per Phone Verifier
request, ids, contacts): ten times the client's batch of 100. Beyond it: 413."""


SANDBOX_MAX_FIELD_CHARS = 10_000
"""Longest string anywhere in a sandbox request body (an address is at most 254).
Beyond it: 413."""


SANDBOX_MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects in a sandbox request body (the API's deepest
is 3: contacts inside ``data``). Beyond it: 400."""


SANDBOX_READ_TIMEOUT = 10.0
"""Seconds the sandbox waits for a whole request body; a body still arriving after it
is answered 408 and the connection closed."""

DEFAULT_MAX_ANSWER_BYTES = 8 * 2**20
"""The largest answer read, counted on decompressed bytes as they stream in (8 MiB).
The largest real answers (a page of 100 contacts, 100 phone verdicts) are some tens of
kilobytes; beyond this the row fails with ``too_large`` and the rest is never read, so
a hostile or broken server costs at most this much per request in flight."""


MAX_INPUT_CHARS: dict[str, int] = {
    "email": 320,     # 64 for the local part, "@", 255 for the domain (RFC 5321)
    "domain": 255,    # RFC 1035, dots included
    "phone": 64,      # E.164 has 15 digits; room for spaces, dashes and an extension
    "name": 256,
    "handle": 2048,   # a LinkedIn URL, query string and all
    "id": 256,
    "text": 4096,
}
"""The longest cell text sent for a request field, by the field's kind: longer text is
no real input, and its row gets an error without a request."""


READ_AHEAD = 8
"""Pages requested at once while reading a long list (the first page goes alone)."""


POLL_S = 0.1
"""Seconds between looks at the sending side while a verb waits for it: how often the
progress bar moves and how soon Ctrl-C is noticed."""


SHARED_TEXT_MAX = 64
"""Texts up to this length in an answer are shared: a status word or country name
repeated over a million answers is held once."""

SHARED_TEXTS_HELD = 32_768
"""How many texts the table that shares them holds (4 to 5 MB at most) before it
starts over, which it does before the next answer is decoded; a word repeated over a
million answers is held again once per start."""


MAX_PAGES = 10_000
"""The most pages a paginated read asks for (a million records at 100 a page) before it
stops with an error: a service that ignores ``page`` would otherwise be read forever."""


SANDBOX_CACHE_SCOPE = "sr-frames-sandbox"
"""The cache scope of the sandbox the library starts itself (``--sandbox``): every such
sandbox answers alike whatever its port, so re-runs are answered from the cache."""


ENV_CA_BUNDLE = "SALESROCKS_CA_BUNDLE"


CA_BUNDLE_FALLBACKS = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
"""Variables read for the CA bundle, in order, when ``SALESROCKS_CA_BUNDLE`` is unset."""


CSV_SNIFF_LINES = 20
"""Lines at the top of a CSV file looked at for a ``sep=`` hint, title lines and the
delimiter."""


HEADER_SEARCH_ROWS = 20
"""How far down a sheet (or CSV file) the header row is looked for."""


EXCEL_MAX_TEXT = 32767
"""Excel refuses longer cell texts: a longer result is cut, ending in an ellipsis."""


SMALL_PART = 64 << 20
"""Uncompressed bytes up to which a workbook part is read whole (styles, the workbook,
relationships); a larger one of those is refused."""


FILE_BAR_MIN_ROWS = 20_000
"""Rows from which reading or writing a file shows a progress bar (on a terminal)."""


SHEET_CHUNK = 4 << 20
"""Bytes of a sheet's XML read at a time while scanning or rewriting it."""


MAX_COLUMN_WIDTH = 50
"""The widest (in characters) a new result column is made in a workbook."""


ZIP_COPY_CHUNK = 1 << 20
"""Bytes copied at a time from a workbook member that is kept as it is."""


SHEET_COMPRESSION = 1
"""zlib level of the rewritten sheet: five times quicker than zlib's default (6), for
a part about a third larger. Every other member keeps its own compressed bytes."""


SHEET_ROWS_PER_BLOCK = 4096
"""Rows whose new cells are rendered together while a sheet is rewritten."""


ODS_SCAN_CHUNK = 1 << 20
"""Bytes of an ``.ods`` sheet's XML scanned at a time for numbers shown with leading zeros."""


CACHE_CULL_PER_ROW = 10
"""Expired cache rows removed per row written (diskcache's own ``cull_limit``)."""


SHEET_LAYOUTS_KEPT = 8
"""Sheets whose table layout ``read_table`` leaves for the next ``write_table`` of the
same, unchanged file (see :mod:`sr_frames.files.sheet_layout`)."""


DASK_INPUT_PARTITIONS_PER_TASK = 4
"""Input partitions per Dask task enriching distinct inputs (each task logs in once)."""


DASK_MAX_ENRICH_TASKS = 64
"""The most Dask tasks a verb spreads its distinct inputs over."""


DASK_STORE_CHUNK = 200
"""Answers a Dask worker sends to the cache desk at a time."""


DASK_LOOKUP_CHUNK = 5_000
"""Cache keys a Dask worker looks up at a time (a reply holds up to this many answers)."""


DASK_REPLY_TIMEOUT = 120.0
"""Seconds a Dask worker waits for the cache desk's answer before failing the task."""


DASK_LONGEST_PAUSE = 3600.0
"""A ``Retry-After`` longer than this (a daily quota) holds a cluster back this long at most."""


DASK_KEPT_BUDGETS = 10_000
"""Request budgets of this many runs are kept by a cluster's coordinator; older ones are
forgotten."""


DASK_FIND_TIMEOUT = 30.0
"""Seconds a Dask worker waits to find (or start) the cluster's coordinator."""


DASK_STALE_TURN = 0.03
"""Seconds a released turn may take to reach its request beyond the quickest round trip."""


DASK_STALE_TRIES = 4
"""Stale turns in a row after which the next one is used anyway."""


SHARED_LIMIT_LOCK_TIMEOUT = 10.0
"""Seconds a shared rate-limit transaction waits for another process's lock."""


SHARED_LIMIT_STALE_AFTER = 3600.0
"""A booked slot further ahead than this is left over from a changed clock: start afresh."""


SHARED_BUDGET_EXPIRY = 7 * 24 * 3600.0
"""How long a run's shared request-budget record is kept."""


SANDBOX_STOP_WAIT = 5.0
"""Seconds a sandbox in a child process gets to stop after Ctrl-C before it is killed."""
