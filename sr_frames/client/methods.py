"""Client methods generated from the endpoint table: signature, docstring, body.

One method per :class:`~sr_frames.endpoints.Endpoint`, keyword arguments named after
the request fields. The typed declarations that IDEs and type checkers read are in
:mod:`sr_frames.client._endpoint_methods`, generated from the same table.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sr_frames.client.schema import conceal_arguments
from sr_frames.endpoints import Endpoint

if TYPE_CHECKING:
    from sr_frames.client.clients import AsyncClient, Client

__all__ = ["async_method", "body_from", "method_doc", "method_signature", "named", "sync_method"]


def method_signature(ep: Endpoint) -> inspect.Signature:
    """The signature of ``ep``'s client method (without ``self``).

    Keywords are ``Field.keyword``; fields without a default come first; endpoints
    with more than three fields take keyword arguments only.
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
    return inspect.Signature(params, return_annotation=Any)


def method_doc(ep: Endpoint) -> str:
    """The docstring of ``ep``'s client method, from the table."""
    fields = ", ".join(f"``{f.keyword}`` ({f.type}{'' if f.required else ', optional'})"
                       for f in ep.fields)
    lines = [ep.summary, "", f"POST ``{ep.path}``. Arguments: {fields or 'none'}.",
             f"Returns the answer unwrapped from its envelope (a JSON {ep.answer})."]
    if ep.mutates:
        lines.append("Changes state: never resent after a failure that may have reached "
                     "the service (timeout, dropped connection, 5xx).")
    if ep.secret_fields:
        lines.append(f"{', '.join(sorted(ep.secret_fields))} is a secret: never logged.")
    return "\n".join(lines)


def body_from(ep: Endpoint, sig: inspect.Signature, args: tuple, kwargs: dict) -> dict:
    """The request body for a method call bound to ``sig``."""
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    return {f.name: bound.arguments[f.keyword] for f in ep.fields}


def named(fn: Any, ep: Endpoint, sig: inspect.Signature, owner: str) -> Any:
    """Dress ``fn`` as ``owner.<method>``: signature, name and docstring from the table."""
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    fn.__signature__ = sig.replace(parameters=[self_param, *sig.parameters.values()])
    fn.__name__ = ep.method
    fn.__qualname__ = f"{owner}.{ep.method}"
    fn.__doc__ = method_doc(ep)
    return fn


def async_method(ep: Endpoint) -> Callable[..., Awaitable[Any]]:
    sig = method_signature(ep)

    async def method(self: AsyncClient, *args: Any, **kwargs: Any) -> Any:
        conceal_arguments(ep, kwargs)
        return await self.call(ep, body_from(ep, sig, args, kwargs))

    return named(method, ep, sig, "AsyncClient")


def sync_method(ep: Endpoint) -> Callable[..., Any]:
    sig = method_signature(ep)

    def method(self: Client, *args: Any, **kwargs: Any) -> Any:
        conceal_arguments(ep, kwargs)
        body = body_from(ep, sig, args, kwargs)
        return self._run(self.aclient.call(ep, body))

    return named(method, ep, sig, "Client")
