"""Architecture rules as checks, read from the sources' imports (docs/architecture.md).

* The pure core imports no database, web, network or clock module and no layer above it, and
  never reads the clock.
* The services import no worker, API, console or command line: those sit above them; the
  store imports neither those nor the services; the delivery channels import none of those
  and not the store either.
* The API and the console reach the store through the services, never its repositories.
* No import cycles anywhere in caseclock, counting imports inside functions too (an import
  moved into a function hides a cycle from the interpreter, not from the reader).

An import is an edge from the importing module to the module it names (``from a import b``
names ``a.b`` when that is a module); imports under ``if TYPE_CHECKING:`` are not run and do
not count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import caseclock

PACKAGE = Path(caseclock.__file__).parent

CORE_FORBIDDEN = (
    "sqlalchemy",
    "fastapi",
    "starlette",
    "httpx",
    "uvicorn",
    "alembic",
    "psycopg",
    "smtplib",
    "socket",
    "caseclock.store",
    "caseclock.api",
    "caseclock.services",
    "caseclock.worker",
    "caseclock.channels",
    "caseclock.console",
    "caseclock.cli",
    "caseclock.clock",
    "caseclock.document_files",
)
ABOVE_SERVICES = ("caseclock.worker", "caseclock.api", "caseclock.console", "caseclock.cli")
REPOSITORIES = ("caseclock.store.repositories",)
ABOVE_STORE = ("caseclock.services", *ABOVE_SERVICES)
ABOVE_CHANNELS = ("caseclock.store", *ABOVE_STORE)


@dataclass(frozen=True)
class Import:
    """One import statement's target, as seen from the module that runs it."""

    module: str  # the importing module
    target: str  # the module named, or the package, for names that are not modules
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
    """Every import statement under ``node`` that runs, with whether it is in a function."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking_only(child):
            for other in child.orelse:
                yield from _statements_of(other, in_function)
            continue
        yield from _statements_of(child, in_function)


def _statements_of(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, in_function
        return
    inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    yield from _statements(node, inside)


def imported_names(path: Path) -> Iterator[tuple[str, int, bool]]:
    """(dotted name, line, in a function) of every import that runs, relative ones resolved:
    ``from a import b`` gives ``a.b`` (a module or a name in ``a``)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node, in_function in _statements(tree, in_function=False):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, in_function
            continue
        assert isinstance(node, ast.ImportFrom)
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        for alias in node.names:
            yield f"{base}.{alias.name}", node.lineno, in_function


def _known(name: str) -> str | None:
    """The longest prefix of ``name`` that is a caseclock module or package."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def internal_imports() -> list[Import]:
    """Every import of one caseclock module by another."""
    found = []
    for module, path in MODULES.items():
        for name, line, in_function in imported_names(path):
            target = _known(name) if name.startswith("caseclock") else None
            if target is not None and target != module:
                found.append(Import(module, target, line, in_function))
    return found


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def offenders(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    """``module:line imports target`` for each import from ``importers`` into ``forbidden``."""
    return [
        f"{edge.module}:{edge.line} imports {edge.target}"
        for edge in internal_imports()
        if _within(edge.module, importers) and _within(edge.target, forbidden)
    ]


def import_cycles(edges: list[Import]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for edge in edges:
        graph[edge.module].add(edge.target)
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        on_stack.add(node)
        for following in sorted(graph[node]):
            if following not in order:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in on_stack:
                low[node] = min(low[node], order[following])
        if low[node] == order[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return groups


def test_core_imports_no_io_layer() -> None:
    """No module under caseclock.core imports a database, web, network or clock module, nor
    a layer above it."""
    core = PACKAGE / "core"
    found = [
        f"{path.name}:{line} imports {name}"
        for path in sorted(core.rglob("*.py"))
        for name, line, _ in imported_names(path)
        if _within(name, CORE_FORBIDDEN)
    ]
    assert found == []


def test_core_never_reads_the_clock() -> None:
    """The core never calls datetime.now/utcnow/today or time.time: now is always passed in."""
    found = []
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in (".now(", "utcnow(", ".today(", "time.time(", "monotonic("):
            if needle in text:
                found.append(f"{path.name}: {needle}")
    assert found == []


def test_services_import_nothing_above_them() -> None:
    """The services are used by the API, the console, the worker and the command line, and
    import none of them."""
    assert offenders(("caseclock.services",), ABOVE_SERVICES) == []


def test_store_imports_nothing_above_it() -> None:
    """The store (models, queries, migrations) sits below the services: it imports no
    service, worker loop, route, console view or command."""
    assert offenders(("caseclock.store",), ABOVE_STORE) == []


def test_channels_import_neither_services_nor_store() -> None:
    """The delivery channels (renderers and adapters) are handed what to send: they import
    no service, no store, and nothing above the services."""
    assert offenders(("caseclock.channels",), ABOVE_CHANNELS) == []


def test_connectors_read_files_and_payloads_and_nothing_else() -> None:
    """The inbound connectors turn rows and payloads into events: they import no store, no
    service, nothing above them and not the clock (the services store what they produce)."""
    forbidden = (*ABOVE_CHANNELS, "caseclock.channels", "caseclock.clock")
    assert offenders(("caseclock.connectors",), forbidden) == []


def test_api_and_console_reach_the_store_through_services() -> None:
    """Routers and console views call services; only services and the worker's loops use the
    repositories."""
    assert offenders(("caseclock.api", "caseclock.console"), REPOSITORIES) == []


def test_no_import_cycles() -> None:
    """No group of caseclock modules imports itself round, not even through an import placed
    inside a function."""
    assert import_cycles(internal_imports()) == []


def test_the_rules_see_a_cycle_and_a_layer_breach() -> None:
    """The checks themselves: a made-up cycle through a function-local import is found, and a
    service importing the worker is named with its line."""
    edges = [
        Import("caseclock.core.events", "caseclock.core.timeline", 3, in_function=False),
        Import("caseclock.core.timeline", "caseclock.core.events", 9, in_function=True),
    ]
    assert import_cycles(edges) == [["caseclock.core.events", "caseclock.core.timeline"]]
    assert module_name(PACKAGE / "services" / "__init__.py") == "caseclock.services"
    assert _within("caseclock.worker.loop", ABOVE_SERVICES)
    assert not _within("caseclock.workers", ABOVE_SERVICES)
