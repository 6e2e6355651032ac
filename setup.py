"""Build step: compile the evaluator's pure core to C extensions with mypyc.

The project is described in ``pyproject.toml``; this file only adds the compiled modules.
mypyc (part of mypy, pinned in the lock) turns the fully typed modules listed in ``COMPILED``
into C extensions, which makes an evaluation about three times faster than the same code
interpreted (``bench/evaluate_bench.py``). The modules stay plain Python source:
``CASECLOCK_PURE_PYTHON=1`` at install time skips the compilation, and the behaviour is the
same (the tests run either way).

mypyc reads the mypy settings in ``pyproject.toml``, whose pydantic plugin must be importable,
so the build runs without isolation, in the environment the lock file made:
``pip install --no-build-isolation -e .`` (``make`` does this).

An editable install puts the compiled ``.so`` files beside their sources, and Python prefers
them: after editing a compiled module, re-run ``make`` (its stamp depends on these sources);
``tests/conftest.py`` refuses to run against a stale build.
"""

from __future__ import annotations

import os

from setuptools import Extension, setup

# The pure, deterministic modules an evaluation runs through; none holds a pydantic model
# (mypyc compiles classes to native ones, which pydantic's metaclass does not accept).
COMPILED = (
    "calendar",
    "conditions",
    "cycles",
    "durations",
    "evaluate",
    "event_relevance",
    "instants",
    "milestones",
    "overrides",
    "periods",
    "process_compiled",
    "record_state",
    "replay",
    "targets",
    "timeline",
    "timers",
)


def ext_modules() -> list[Extension]:
    if os.environ.get("CASECLOCK_PURE_PYTHON") == "1":
        return []
    from mypyc.build import mypycify  # noqa: PLC0415 (only when compiling)

    paths = [f"src/caseclock/core/{name}.py" for name in COMPILED]
    return mypycify(paths, opt_level="3", debug_level="0")


setup(ext_modules=ext_modules())
