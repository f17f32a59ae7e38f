"""The import graph of ``sr_frames``, read from the source with ``ast``: no cycle
anywhere, and the sandbox stands on the endpoint table and the local checks alone.

Every ``import`` counts, at module level or inside a function (a cycle hidden in a
function is still a cycle, only a later one), ``if TYPE_CHECKING:`` blocks included.
``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to
``pkg``; importing ``a.b.c`` is an edge to ``a.b.c`` alone (its parent packages'
``__init__`` are not counted, or every module would meet ``sr_frames/__init__.py``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sr_frames"

SANDBOX_MAY_IMPORT = ("sr_frames.endpoints", "sr_frames.checks", "sr_frames.errors",
                      "sr_frames.defaults")


def module_files(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(module: str, path: Path, known: Iterable[str]) -> list[tuple[str, int]]:
    """``(module imported, line)`` for every import of a ``sr_frames`` module in ``path``."""
    known = set(known)
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append((candidate if candidate in known else base, node.lineno))
    return [(name, line) for name, line in found if name == "sr_frames" or name.startswith("sr_frames.")]


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    files = module_files(root)
    return {name: {target for target, _ in imported(name, path, files) if target in files}
            for name, path in files.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (``a -> b -> ... -> a``) per strongly connected component that has one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def connect(start: str) -> None:  # Tarjan's algorithm, iterative
        nonlocal counter
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph[node]:
                        components.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            connect(name)
    return [_cycle_through(graph, component) for component in components]


def _cycle_through(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself."""
    members, start = set(component), component[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & members):
                if target == start:
                    return [*paths[node], start]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    raise AssertionError("unreachable: a strongly connected component has a cycle")


def test_the_package_has_no_import_cycle():
    cycles = find_cycles(import_graph())
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_sandbox_imports_only_its_own_modules_and_the_root_modules_it_stands_on():
    files = module_files()
    forbidden = []
    for name, path in files.items():
        if name != "sr_frames.sandbox" and not name.startswith("sr_frames.sandbox."):
            continue
        for target, line in imported(name, path, files):
            allowed = target.startswith("sr_frames.sandbox") or any(
                target == ok or target.startswith(ok + ".") for ok in SANDBOX_MAY_IMPORT)
            if not allowed:
                forbidden.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert forbidden == [], ("the sandbox may import only its own modules and "
                             f"{', '.join(SANDBOX_MAY_IMPORT)}: " + "; ".join(forbidden))


def test_the_cycle_finder_names_a_cycle(tmp_path):
    package = tmp_path / "sr_frames"
    (package / "enrich").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "enrich" / "__init__.py").write_text("")
    (package / "enrich" / "engine.py").write_text("from sr_frames.enrich.dispatch import send\n")
    (package / "enrich" / "dispatch.py").write_text(
        "def send():\n    from sr_frames.enrich import engine\n")
    (package / "enrich" / "plan.py").write_text("from . import dispatch\n")

    assert find_cycles(import_graph(package)) == [
        ["sr_frames.enrich.dispatch", "sr_frames.enrich.engine", "sr_frames.enrich.dispatch"]]


# Numbers named outside defaults.py that are not defaults or limits of the library
# (units, formats, code layout, exit codes), and those still to move there.
NOT_DEFAULTS = {
    "sr_frames.endpoints": {"HOUR", "DAY"},  # units
    "sr_frames.checks": {"_MAX_LENGTH"},  # RFC 5321's limit on an address
    "sr_frames.cleanup.sheets": {"MAX_ROWS"},  # an Excel sheet's rows
    "sr_frames.cli.messages": {"EXIT_OK", "EXIT_FAILED_ROWS", "EXIT_USAGE", "EXIT_AUTH",
                               "EXIT_SERVICE", "EXIT_INTERRUPTED"},  # the README's exit codes
    "sr_frames.client.generate_methods": {"LINE_LENGTH"},  # the generated code's layout
    "sr_frames.client.methods": {"DOC_WIDTH"},
}
STILL_TO_MOVE: dict[str, set[str]] = {}


def _is_number(node: ast.expr) -> bool:
    """A number written out: ``8``, ``0.1``, ``7 * 24 * 3600.0``, ``64 << 20``, ``24 * HOUR``."""
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, ast.UnaryOp):
        return _is_number(node.operand)
    if isinstance(node, ast.BinOp):
        sides = (node.left, node.right)
        return any(_is_number(s) for s in sides) and all(
            _is_number(s) or isinstance(s, ast.Name) for s in sides)
    return False


def named_numbers(path: Path) -> set[str]:
    """Module-level ``NAME = <number>`` in ``path`` (upper-case names, ``_`` or not)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        target = (node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1
                  else node.target if isinstance(node, ast.AnnAssign) else None)
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if (isinstance(target, ast.Name) and target.id.lstrip("_").isupper()
                and value is not None and _is_number(value)):
            names.add(target.id)
    return names


def test_every_default_and_limit_is_named_in_defaults():
    found = {}
    for name, path in module_files().items():
        if name == "sr_frames.defaults" or name.startswith("sr_frames.sandbox"):
            continue  # the emulator's own numbers are the emulator's
        numbers = named_numbers(path) - NOT_DEFAULTS.get(name, set()) - STILL_TO_MOVE.get(name, set())
        if numbers:
            found[name] = sorted(numbers)
    assert found == {}, f"name these in sr_frames/defaults.py and import them from there: {found}"
