"""Client methods from the endpoint table: signature, docstring, and the one call path.

One method per :class:`~sr_frames.endpoints.Endpoint` (the login excepted: it is
``login()``), arguments named after the request fields. The methods are real source,
:mod:`sr_frames.client._endpoint_methods`, rendered from this module's
:func:`method_signature` and :func:`method_doc` by
:mod:`sr_frames.client.generate_methods`, so that type checkers and IDEs see them.
Every generated method hands its arguments to ``_call_endpoint`` here, the one place
that turns them into a request body; nothing else is per method.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sr_frames.config import Secret
from sr_frames.endpoints import BY_METHOD, Endpoint

__all__ = [
    "AsyncEndpointCalls",
    "EndpointCalls",
    "adopt_methods",
    "answer_type",
    "body_from",
    "hidden",
    "method_doc",
    "method_signature",
]

DOC_WIDTH = 100
"""Docstring lines are wrapped to this width (the generated source stays within ruff's 110)."""


def answer_type(ep: Endpoint) -> Any:
    """What ``ep``'s method returns, as far as the answer is checked (see
    :func:`~sr_frames.client.schema.shape_problem`): ``list[Any]`` for a list answer,
    ``dict[str, Any]`` for an object answered bare, else ``Any`` (an unwrapped value
    the table does not describe: an id, a message, an object)."""
    if ep.answer == "list":
        return list[Any]
    return dict[str, Any] if ep.result_key is None else Any


def method_signature(ep: Endpoint) -> inspect.Signature:
    """The signature of ``ep``'s client method (without ``self``).

    Keywords are ``Field.keyword``; fields without a default come first; endpoints
    with more than three fields take keyword arguments only. Optional fields without
    a default take ``None`` (left out of the body).
    """
    kind = (inspect.Parameter.POSITIONAL_OR_KEYWORD if len(ep.fields) <= 3
            else inspect.Parameter.KEYWORD_ONLY)
    ordered = sorted(ep.fields, key=lambda f: f.required and f.default is None, reverse=True)
    params = []
    for f in ordered:
        if f.required and f.default is None:
            params.append(inspect.Parameter(f.keyword, kind, annotation=f.python_type))
        else:
            annotation = f.python_type if f.default is not None else f.python_type | None
            params.append(inspect.Parameter(f.keyword, kind, default=f.default,
                                            annotation=annotation))
    return inspect.Signature(params, return_annotation=answer_type(ep))


def method_doc(ep: Endpoint) -> str:
    """The docstring of ``ep``'s client method, from the table."""
    fields = ", ".join(f"``{f.keyword}`` ({f.type}{'' if f.required else ', optional'})"
                       for f in ep.fields)
    body = [f"POST ``{ep.path}``. Arguments: {fields or 'none'}.",
            f"Returns the answer unwrapped from its envelope (a JSON {ep.answer})."]
    if ep.mutates:
        body.append("Changes state: never resent after a failure that may have reached "
                    "the service (timeout, dropped connection, 5xx).")
    if ep.secret_fields:
        body.append(f"{', '.join(sorted(ep.secret_fields))} is a secret: never logged.")
    wrapped = [part for line in body for part in textwrap.wrap(line, DOC_WIDTH, break_on_hyphens=False)]
    return "\n".join([ep.summary, "", *wrapped])


def hidden(value: Any) -> Any:
    """A secret argument wrapped in :class:`~sr_frames.config.Secret` (anything else as
    it is). The generated methods rebind their secret parameters to it first thing, so
    that no frame's locals show a secret in a rendered traceback."""
    return Secret(value) if isinstance(value, str) else value


def body_from(ep: Endpoint, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The request body for a method call: each field's JSON name and its argument."""
    return {f.name: arguments[f.keyword] for f in ep.fields}


class AsyncEndpointCalls:
    """Base of the generated :class:`~sr_frames.client.clients.AsyncClient` methods."""

    if TYPE_CHECKING:
        async def call(self, endpoint: Endpoint | str, body: Mapping[str, Any]) -> Any: ...

    async def _call_endpoint(self, method: str, /, **arguments: Any) -> Any:
        ep = BY_METHOD[method]
        return await self.call(ep, body_from(ep, arguments))


class EndpointCalls:
    """Base of the generated :class:`~sr_frames.client.clients.Client` methods."""

    if TYPE_CHECKING:
        def call(self, endpoint: Endpoint | str, body: Mapping[str, Any]) -> Any: ...

    def _call_endpoint(self, method: str, /, **arguments: Any) -> Any:
        ep = BY_METHOD[method]
        return self.call(ep, body_from(ep, arguments))


def adopt_methods(cls: type, mixin: type) -> None:
    """Name ``mixin``'s endpoint methods after ``cls`` (``Client.verify_email``), so
    that reprs, ``help()`` and argument errors name the class users hold."""
    for name, fn in vars(mixin).items():
        if name in BY_METHOD and inspect.isfunction(fn):
            fn.__qualname__ = f"{cls.__name__}.{name}"
