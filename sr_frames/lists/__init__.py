"""Editable lists, pushes without duplicates, campaigns and mailboxes, as frames.

``pages`` lends a client and follows pagination; ``contacts`` creates, reads, updates
and deletes; ``push`` sends rows once each, remembered in the ``ledger``;
``campaigns`` and ``mailboxes`` are the remaining writes and reads.

May import: ``sr_frames.enrich``, ``client``, ``cache`` and the root modules.
Never imports: ``files``, ``cli``, ``dask``, the accessor or the sandbox.
"""
