"""Which function answers which endpoint: filled by decorators, read by the routes.

An answer function is registered under the endpoint method it answers::

    @answers_for("email_patterns")
    def email_patterns(domain: str) -> dict[str, Any]: ...

A *pure* answer (:data:`ANSWERS`) takes the body's fields as keyword arguments and
returns the unwrapped answer, or raises a :class:`~sr_frames.sandbox.derive.Refusal`;
an *operation* (:data:`OPERATIONS`, registered with :func:`operation_for` in
:mod:`operations`) takes the whole validated call and may read and change the store.
The routes look each endpoint of the table up here by its method, so adding a read
endpoint to the sandbox is one decorated function, with no list to extend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["ANSWERS", "OPERATIONS", "answers_for", "operation_for"]

F = TypeVar("F", bound=Callable[..., Any])

ANSWERS: dict[str, Callable[..., Any]] = {}
"""Pure answers by endpoint method: ``fn(**fields) -> answer``."""

OPERATIONS: dict[str, Callable[..., Any]] = {}
"""Operations on the store by endpoint method: ``fn(call) -> Answer``."""


def _register(book: dict[str, Callable[..., Any]], method: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        if method in ANSWERS or method in OPERATIONS:
            raise ValueError(f"the sandbox already answers {method!r}")
        book[method] = fn
        return fn

    return register


def answers_for(method: str) -> Callable[[F], F]:
    """Register a pure answer function for the endpoint whose method is ``method``."""
    return _register(ANSWERS, method)


def operation_for(method: str) -> Callable[[F], F]:
    """Register an operation (it takes the validated call) for ``method``."""
    return _register(OPERATIONS, method)
