"""One run of one endpoint over many inputs: the engine behind every verb.

``plan`` turns input columns into distinct requests (normalised, deduplicated, checked
locally); ``engine`` runs a plan: cache first, then ``dispatch`` sends the rest
concurrently, phones in batches; ``columns`` finds the input columns and attaches the
result columns; ``report``, ``progress`` and ``estimate`` say what a run did, does and
would do; ``collector`` paces Python's garbage collector over bulk steps and while
requests are in flight; ``import_hook`` lets the faces over optional frame libraries
(Dask, Polars) register once that library is imported, without importing it.

May import: ``sr_frames.client``, ``cache``, and the root modules (``endpoints``,
``config``, ``defaults``, ``errors``, ``checks``, ``cells``).
Never imports: ``lists``, ``files``, ``cli``, ``dask``, the accessor or the sandbox.
"""
