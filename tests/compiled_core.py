"""Refuse to test a stale build of the compiled core.

``make`` compiles the evaluator's pure core with mypyc (``setup.py``) into ``.so`` files beside
the sources, and Python imports those before the ``.py`` files. A source edited since the last
build would therefore be tested as its old compiled self; this check stops the run instead and
says what to do. ``make test`` rebuilds first, so it only trips on ``pytest`` run by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import caseclock.core

CORE = Path(caseclock.core.__file__).parent


def stale_sources(core: Path = CORE) -> list[str]:
    """Sources of compiled modules changed after the oldest compiled file was built."""
    built = list(core.glob("*.so")) + list(core.parents[1].glob("*__mypyc*.so"))
    if not built:
        return []  # a pure-Python install (CASECLOCK_PURE_PYTHON=1): nothing to go stale
    oldest = min(path.stat().st_mtime for path in built)
    compiled = {path.name.split(".")[0] for path in core.glob("*.so")}
    return sorted(
        f"{name}.py" for name in compiled if (core / f"{name}.py").stat().st_mtime > oldest
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    stale = stale_sources()
    if stale:
        raise pytest.UsageError(
            f"the compiled core is older than {', '.join(stale)}: run `make test` (it rebuilds), "
            "or `.venv/bin/pip install --no-deps --no-build-isolation -e .`"
        )
