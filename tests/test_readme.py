"""The README stays true: its configuration reference lists every setting, with its default."""

from __future__ import annotations

from pathlib import Path

from caseclock.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def _reference_rows() -> dict[str, str]:
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `CASECLOCK_"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[cells[0].strip("`")] = cells[1]
    return rows


def test_every_setting_is_documented() -> None:
    """Each field of Settings has a row CASECLOCK_<NAME> in the README, and no row is stale."""
    documented = set(_reference_rows())
    expected = {f"CASECLOCK_{name.upper()}" for name in Settings.model_fields}
    assert sorted(expected - documented) == []
    assert sorted(documented - expected) == []


def test_documented_defaults_match_the_code() -> None:
    """A default written in the README is the default the code has."""
    rows = _reference_rows()
    for name, field in Settings.model_fields.items():
        default = field.default
        if default is None:
            assert rows[f"CASECLOCK_{name.upper()}"] == "unset"
            continue
        shown = str(default).lower() if isinstance(default, bool) else str(default)
        if isinstance(default, float) and default.is_integer():
            shown = str(int(default))
        assert rows[f"CASECLOCK_{name.upper()}"] == f"`{shown}`", name
