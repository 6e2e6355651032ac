"""Running ``caseclock`` through its installed entry point inside the test process, so that
anything it would print, a traceback included, is what the test sees."""

from __future__ import annotations

import sys

import pytest

from caseclock.cli.main import main


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """``caseclock ARGS``: its exit status, stdout and stderr. An exception that escapes the
    entry point (which would print a traceback) fails the calling test."""
    monkeypatch.setattr(sys, "argv", ["caseclock", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


def one_line_error(code: int, out: str, err: str) -> str:
    """The single ``caseclock: error: ...`` line of a run that exited 2 and printed nothing
    else."""
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("caseclock: error: ")
    return lines[0]
