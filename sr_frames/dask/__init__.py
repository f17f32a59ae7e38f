"""``ddf.salesrocks``: the read verbs on Dask DataFrames, over the same engine.

``accessor`` is the face; ``cluster`` picks, when a verb is called, between a
distributed cluster's limits and cache (``coordinator``: one Actor keeping the rate
limit, 429 pauses and budget; ``client_cache``: the user's cache, served to workers by
the calling process) and one machine's (``shared_limit``: files under the cache
directory); ``worker_settings`` is what a worker's client runs with.
Importing this package imports no Dask; the accessor registers itself once
``dask.dataframe`` is imported.

May import: the accessor, ``enrich``, ``client``, ``cache`` and the root modules.
Never imports: ``cli``, ``files``, the sandbox.
"""
