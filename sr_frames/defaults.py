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


JITTER_SPREAD = 0.25
"""A backoff delay is shortened by up to this fraction, drawn at random."""


MAX_RATE_LIMITED_WAITS = 20
"""429s one request may wait out before its RateLimitError is raised."""


DEFAULT_TOKEN_LIFETIME = 3600.0
"""Lifetime assumed when a login answer carries no readable ``expires_in``."""


SQLITE_KEYS_PER_SELECT = 500
"""Keys per ``SELECT ... IN`` when the cache or the ledger reads many rows: well under
SQLite's bound-parameter limit."""
CACHE_LOCK_TIMEOUT = 5.0
"""Seconds a cache operation waits for another writer's lock before it gives up (a miss)."""


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
