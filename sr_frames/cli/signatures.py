"""The accessor's verbs as the command line needs them, read without importing pandas.

The subcommands are built from the verbs' own signatures and docstrings (see
:mod:`.parser`). Importing :mod:`sr_frames.accessor` to read them would load pandas,
NumPy and the engine before a single option is parsed, the larger part of the time
``sr-frames --help`` takes; so this module reads the accessor's source with :mod:`ast`
instead: the verb names (``VERBS``), each verb's parameters (names, defaults, the
annotations as written) and its docstring, exactly what :func:`inspect.signature` and
:func:`inspect.getdoc` give for the imported class (a test compares the two). Where
the source cannot be read (an install without ``.py`` files) it falls back to
importing the accessor.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Verb", "verb", "verb_names"]

ACCESSOR = "sr_frames.accessor"
VERB_CLASSES = ("_Verbs", "SalesRocksFrameAccessor")  # where the verbs and clean are defined


@dataclass(frozen=True)
class Verb:
    """One accessor method: its parameters (``self`` and ``**options`` left out) and docstring."""

    name: str
    parameters: tuple[inspect.Parameter, ...]
    doc: str


def verb_names() -> tuple[str, ...]:
    """The read verbs, in the accessor's order (its ``VERBS``)."""
    tree = _tree()
    if tree is None:
        from sr_frames.accessor import VERBS

        return VERBS
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if node.value is not None and any(isinstance(t, ast.Name) and t.id == "VERBS"
                                              for t in targets):
                return tuple(ast.literal_eval(node.value))
    raise LookupError(f"no VERBS in {ACCESSOR}")


def verb(name: str) -> Verb:
    """The accessor method ``name`` (a verb, or ``clean``)."""
    tree = _tree()
    if tree is None:
        return _imported(name)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in VERB_CLASSES:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == name:
                    return Verb(name, _parameters(item.args), ast.get_docstring(item) or name)
    raise LookupError(f"{ACCESSOR} defines no verb {name!r}")


@functools.cache
def _tree() -> ast.Module | None:
    """The accessor module's syntax tree, or ``None`` when its source is not there."""
    spec = importlib.util.find_spec(ACCESSOR)
    origin = spec.origin if spec is not None else None
    if origin is None or not origin.endswith(".py"):
        return None
    try:
        return ast.parse(Path(origin).read_text(encoding="utf-8"), origin)
    except OSError:
        return None


def _parameters(args: ast.arguments) -> tuple[inspect.Parameter, ...]:
    """``inspect.Parameter``\\ s of a definition's arguments, without ``self`` and ``**``."""
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    kinds = ([inspect.Parameter.POSITIONAL_ONLY] * len(args.posonlyargs)
             + [inspect.Parameter.POSITIONAL_OR_KEYWORD] * len(args.args))
    found = [_parameter(a, kind, default) for a, kind, default in
             zip(positional, kinds, defaults, strict=True) if a.arg != "self"]
    if args.vararg is not None:
        found.append(_parameter(args.vararg, inspect.Parameter.VAR_POSITIONAL, None))
    found += [_parameter(a, inspect.Parameter.KEYWORD_ONLY, default)
              for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    return tuple(found)


def _parameter(arg: ast.arg, kind: inspect._ParameterKind, default: ast.expr | None) -> inspect.Parameter:
    annotation = ast.unparse(arg.annotation) if arg.annotation is not None else inspect.Parameter.empty
    value = ast.literal_eval(default) if default is not None else inspect.Parameter.empty
    return inspect.Parameter(arg.arg, kind, default=value, annotation=annotation)


def _imported(name: str) -> Verb:
    from sr_frames.accessor import SalesRocksFrameAccessor

    method = getattr(SalesRocksFrameAccessor, name)
    parameters = tuple(p for p in inspect.signature(method).parameters.values()
                       if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD)
    return Verb(name, parameters, inspect.getdoc(method) or name)
