"""``caseclock insights train|evaluate`` on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.entry_point import one_line_error, run


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "c.db"
    monkeypatch.setenv("CASECLOCK_DATABASE_URL", f"sqlite:///{path}")
    return path


def test_train_without_history_is_one_line(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a database with no closed milestone both commands say why in one line, exit 2."""
    assert run(monkeypatch, capsys, "db", "upgrade")[0] == 0
    for command in ("train", "evaluate"):
        line = one_line_error(*run(monkeypatch, capsys, "insights", command))
        assert "not enough history: no closed milestone yet" in line


def test_bad_options_are_one_line(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A test share outside its range is a usage error, before anything is read."""
    line = one_line_error(*run(monkeypatch, capsys, "insights", "train", "--test-share", "0.9"))
    assert "--test-share" in line


def test_evaluate_prints_the_model_beside_the_baselines(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the demo's history ``evaluate`` prints each point's figures for the model, the
    elapsed share and Kaplan-Meier, and a calibration table; ``train`` stores a model (the
    second: loading the demo trained the first)."""
    assert run(monkeypatch, capsys, "db", "upgrade")[0] == 0
    assert run(monkeypatch, capsys, "demo", "--cases", "150")[0] == 0
    code, out, err = run(monkeypatch, capsys, "insights", "evaluate", "--min-history", "20")
    assert code == 0, err
    for text in ("at start:", "at 50 % of target:", "model", "elapsed share", "Kaplan-Meier"):
        assert text in out
    assert "calibration of the model" in out
    code, out, _err = run(monkeypatch, capsys, "insights", "train", "--min-history", "20")
    assert code == 0
    assert out.startswith("stored risk model 2")
