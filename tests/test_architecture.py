"""Architecture rules as checks: the pure core imports nothing from the I/O layers."""

from __future__ import annotations

import ast
from pathlib import Path

import caseclock.core

FORBIDDEN = (
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
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_io_layer() -> None:
    """No module under caseclock.core imports a database, web, network or clock module."""
    core_dir = Path(caseclock.core.__file__).parent
    offenders = [
        f"{path.name} imports {name}"
        for path in sorted(core_dir.rglob("*.py"))
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]
    assert offenders == []


def test_core_never_reads_the_clock() -> None:
    """The core never calls datetime.now/utcnow/today or time.time: now is always passed in."""
    core_dir = Path(caseclock.core.__file__).parent
    offenders = []
    for path in sorted(core_dir.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in (".now(", "utcnow(", ".today(", "time.time(", "monotonic("):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


# The delivery channels sit below the services; the worker's loops sit above them.
LAYERS_BELOW = {
    "services": ("caseclock.worker", "caseclock.api", "caseclock.console", "caseclock.cli"),
    "channels": (
        "caseclock.worker",
        "caseclock.services",
        "caseclock.store",
        "caseclock.api",
        "caseclock.console",
        "caseclock.cli",
    ),
}


def test_services_and_channels_never_import_the_layers_above_them() -> None:
    """Services import no worker, API, console or CLI; the channels (renderers and adapters)
    import none of those nor the services or the store."""
    package = Path(caseclock.core.__file__).parent.parent
    offenders = [
        f"{layer}/{path.name} imports {name}"
        for layer, above in LAYERS_BELOW.items()
        for path in sorted((package / layer).rglob("*.py"))
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in above)
    ]
    assert offenders == []
