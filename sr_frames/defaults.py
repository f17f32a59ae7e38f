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

CACHE_WRITE_WINDOW = 0.05
"""Seconds within which an answer that arrived during a run is committed to the cache:
answers are written in small transactions, one per window, not one each."""

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
