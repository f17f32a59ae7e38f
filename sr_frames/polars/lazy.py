"""A read verb on a ``pl.LazyFrame``: a lazy frame whose schema is known at once.

``lf.salesrocks.verify_emails()`` checks the call against ``lf.collect_schema()`` (the
input columns exist, no result column clashes) and adds one node to the query plan: a
``map_batches`` with the output schema given, so building the query, asking its schema
and ``explain()`` send nothing and never run the verb. Collecting runs the node once, on
the whole collected input (the node is not streamable), so each distinct input of the
whole frame is sent once, as :func:`sr_frames.polars.distinct.enrich` does for a
``DataFrame``; the run report is then :func:`sr_frames.last_report`.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from sr_frames.polars.distinct import VerbCall, describe, enrich

__all__ = ["enrich_lazily"]


class _Verb:
    """The node's function: a named callable (Polars shows its name in ``explain()``)."""

    def __init__(self, call: VerbCall) -> None:
        self.call = call
        self.__name__ = f"salesrocks.{call.verb}"

    def __call__(self, frame: pl.DataFrame) -> pl.DataFrame:
        return enrich(frame, self.call)[0]

    def __repr__(self) -> str:
        return f"<{self.__name__}>"


def enrich_lazily(lf: pl.LazyFrame, verb: str, args: tuple[Any, ...],
                  kwargs: dict[str, Any]) -> pl.LazyFrame:
    """The lazy frame of ``lf.salesrocks.<verb>(*args, **kwargs)``; sends nothing."""
    schema = lf.collect_schema()
    call = describe(schema.names(), verb, args, kwargs)
    return lf.map_batches(_Verb(call), schema=call.output_schema(schema), streamable=False)
