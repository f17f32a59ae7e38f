"""``ddf.salesrocks``: the read verbs on Dask DataFrames, over the same engine.

``accessor`` is the face, ``shared_limit`` the rate limit and budget shared by the
processes of one machine, ``worker_settings`` what a worker's client runs with.
Importing this package imports no Dask; the accessor registers itself once
``dask.dataframe`` is imported.

May import: the accessor, ``enrich``, ``client``, ``cache`` and the root modules.
Never imports: ``cli``, ``files``, the sandbox.
"""
