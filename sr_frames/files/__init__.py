"""Workbooks and CSV in and out: the user's file comes back with only our cells added.

``grid`` is the format-independent half (shapes, placing result columns, cell text,
atomic output); ``workbook`` reads and writes ``.xlsx``; ``reader`` reads the other
workbook kinds too (``ods_shown``: the numbers an ``.ods`` sheet shows with leading
zeros); ``csv_files`` reads and writes CSV as Excel users have it; ``saving`` writes a
frame that has no source file.

May import: the root modules (``cells``, ``errors``, ``defaults``, ``config``).
Never imports: ``client``, ``enrich``, ``lists``, ``cli``, ``dask``, the sandbox.
"""
