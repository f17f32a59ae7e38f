"""The wire: one aiohttp pool, login, retries, rate limit, request and answer schema.

:class:`AsyncClient` and the blocking :class:`Client` (``clients``) send one request
per call, with the bodies checked against the endpoint table (``schema``), the token
kept fresh (``auth``), attempts spaced and budgeted (``limits``), failures retried or
not (``retry``) and classified for result columns (``failures``). ``transport`` is the
only module that touches aiohttp; ``loop_thread`` runs coroutines for the blocking
client, in a script or inside Jupyter's loop. The typed endpoint methods are generated
source (``_endpoint_methods``, written by ``generate_methods`` from the table through
``methods``): never edit it, rerun ``python -m sr_frames.client.generate_methods``.

May import: ``sr_frames.endpoints``, ``config``, ``defaults``, ``errors``, ``cells``.
Never imports: ``enrich``, ``lists``, ``files``, ``cli``, ``dask``, the accessor or the
sandbox.
"""
