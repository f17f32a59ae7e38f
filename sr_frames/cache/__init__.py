"""Answers already paid for, on disk, as JSON; and the writes that must land whole.

``store`` is the response cache (diskcache with a JSON-only disk, files 0600 in a 0700
directory), ``readonly`` the reading of a directory that cannot be written, ``scope`` the
service identity its keys are built from, ``rows`` the chunked read both the cache
and the push ledger use, ``interrupts`` the Ctrl-C hold over a write, ``kept`` the
database handle kept open from one run to the next.

May import: ``sr_frames.endpoints``, ``config``, ``defaults``, ``errors``.
Never imports: ``client``, ``enrich``, ``lists``, ``files``, ``cli``, ``dask``, the
sandbox.
"""
