"""Workbooks and CSV in and out: the user's file comes back with only our cells added.

``grid`` is the format-independent half (shapes, placing result columns, cell text,
atomic output); ``workbook`` reads and writes ``.xlsx``; ``csv_files`` reads and
writes CSV as Excel users have it; ``saving`` writes a frame that has no source file.

May import: the root modules (``cells``, ``errors``, ``defaults``, ``config``).
Never imports: ``client``, ``enrich``, ``lists``, ``cli``, ``dask``, the sandbox.
"""
