"""Writes :mod:`sr_frames.client._endpoint_methods` from the endpoint table.

The client's endpoint methods are checked-in source, so that type checkers and IDEs
see ``Client.verify_email(email: str) -> dict[str, Any]``. After a change to
:data:`~sr_frames.endpoints.ENDPOINTS`, run::

    python -m sr_frames.client.generate_methods          # rewrites the file
    python -m sr_frames.client.generate_methods --check  # exit 1 if it is out of date

Signatures and docstrings come from :func:`~sr_frames.client.methods.method_signature`
and :func:`~sr_frames.client.methods.method_doc`; every body is the same one-line call
of the shared path, after rebinding secret parameters to
:func:`~sr_frames.client.methods.hidden` (so no frame's locals show them). Nothing
imports this module at run time.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from sr_frames.client.methods import method_doc, method_signature
from sr_frames.endpoints import ENDPOINTS, TOKEN, Endpoint

__all__ = ["COMMAND", "GENERATED", "annotation_source", "main", "render_endpoint_methods"]

GENERATED = Path(__file__).with_name("_endpoint_methods.py")
"""The file :func:`render_endpoint_methods` produces."""

COMMAND = "python -m sr_frames.client.generate_methods"
"""The command that rewrites :data:`GENERATED`."""

LINE_LENGTH = 110
"""ruff's line length (pyproject.toml): longer signatures and calls take one line per argument."""

_HEADER = f'''"""The endpoint methods of AsyncClient and Client, generated from sr_frames/endpoints.py.

Do not edit: after changing the endpoint table, run ``{COMMAND}``.
"""
'''

_CLASSES = (
    ("AsyncEndpointMethods", "AsyncEndpointCalls", "One awaitable method per endpoint of the table.", True),
    ("EndpointMethods", "EndpointCalls", "One blocking method per endpoint of the table.", False),
)


def annotation_source(annotation: Any) -> str:
    """How ``annotation`` (a builtin type, ``Any``, ``list[...]``, ``X | None``) is written."""
    if annotation is Any:
        return "Any"
    if annotation is None or annotation is type(None):
        return "None"
    if isinstance(annotation, types.UnionType):
        return " | ".join(annotation_source(a) for a in get_args(annotation))
    if isinstance(annotation, types.GenericAlias):
        args = ", ".join(annotation_source(a) for a in get_args(annotation))
        return f"{annotation_source(annotation.__origin__)}[{args}]"
    if isinstance(annotation, type) and annotation.__module__ == "builtins":
        return annotation.__name__
    raise TypeError(f"no source form for the annotation {annotation!r}")


def _literal(value: Any) -> str:
    text = f'"{value}"' if isinstance(value, str) and value.isprintable() and not (
        set(value) & {'"', "\\"}) else repr(value)
    if ast.literal_eval(text) != value:
        raise ValueError(f"the default {value!r} has no literal form")
    return text


def _parameter(p: inspect.Parameter) -> str:
    text = f"{p.name}: {annotation_source(p.annotation)}"
    return text if p.default is inspect.Parameter.empty else f"{text} = {_literal(p.default)}"


def _call(head: str, args: Sequence[str], tail: str, indent: str) -> list[str]:
    """``head(args)tail`` on one line if it fits, else one argument per line."""
    line = f"{indent}{head}({', '.join(args)}){tail}"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"{indent}{head}(", *(f"{indent}    {a}," for a in args), f"{indent}){tail}"]


def _docstring(doc: str, indent: str) -> list[str]:
    if '"""' in doc or "\\" in doc:
        raise ValueError(f"the docstring {doc[:40]!r}... cannot be written as a plain literal")
    lines = doc.split("\n")
    return [f'{indent}"""{lines[0]}', *(f"{indent}{x}" if x else "" for x in lines[1:]), f'{indent}"""']


def _method(ep: Endpoint, is_async: bool) -> list[str]:
    sig = method_signature(ep)
    params = list(sig.parameters.values())
    args = ["self"]
    if params and params[0].kind is inspect.Parameter.KEYWORD_ONLY:
        args.append("*")
    args += [_parameter(p) for p in params]
    prefix = "async def" if is_async else "def"
    lines = _call(f"{prefix} {ep.method}", args, f" -> {annotation_source(sig.return_annotation)}:",
                  " " * 4)
    lines += _docstring(method_doc(ep), " " * 8)
    lines += [f"        {p.name} = hidden({p.name})  # masked in a traceback's locals from here on"
              for p in params if p.name in _secret_keywords(ep)]
    call = "return await self._call_endpoint" if is_async else "return self._call_endpoint"
    lines += _call(call, [f'"{ep.method}"', *(f"{p.name}={p.name}" for p in params)], "", " " * 8)
    return lines


def _secret_keywords(ep: Endpoint) -> set[str]:
    return {f.keyword for f in ep.fields if f.secret}


def render_endpoint_methods() -> str:
    """The source of :data:`GENERATED` for the current endpoint table."""
    endpoints = [ep for ep in ENDPOINTS if ep is not TOKEN]
    classes = []
    for name, base, doc, is_async in _CLASSES:
        lines = [f"class {name}({base}):", f'    """{doc}"""']
        for ep in endpoints:
            lines += ["", *_method(ep, is_async)]
        classes.append("\n".join(lines))
    body = "\n\n\n".join(classes)
    imports = "from typing import Any\n\n" if "Any" in body else ""
    names = ", ".join(f'"{name}"' for name, *_ in _CLASSES)
    helpers = ", hidden" if "hidden(" in body else ""
    return (f"{_HEADER}\n{imports}from sr_frames.client.methods import AsyncEndpointCalls, EndpointCalls"
            f"{helpers}\n\n"
            f"__all__ = [{names}]\n\n\n{body}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND.removeprefix("python -m "),
                                     description="Write the client's endpoint methods from the table.")
    parser.add_argument("--check", action="store_true",
                        help="only say whether the file is current; exit 1 if not")
    options = parser.parse_args(argv)
    source = render_endpoint_methods()
    current = GENERATED.read_text(encoding="utf-8") if GENERATED.exists() else None
    if options.check:
        if current != source:
            print(f"{GENERATED} is out of date; run: {COMMAND}", file=sys.stderr)
            return 1
        print(f"{GENERATED} is current")
        return 0
    if current == source:
        print(f"{GENERATED} is already current")
    else:
        GENERATED.write_text(source, encoding="utf-8", newline="\n")
        print(f"wrote {GENERATED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
