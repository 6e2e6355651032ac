"""The reports' SVG charts: a row label too long for the label column is cut short with an
ellipsis (it would otherwise run off the chart's left edge), its whole text kept on hover and
in the chart's description; a short one is drawn as it is."""

from __future__ import annotations

import re

from caseclock.console.charts import LABEL_CHARS, compliance_bars
from caseclock.core.compliance import Compliance
from caseclock.services.reports import Slice

LONG = "Quarterly business review 3"
SHORT = "First response"


def test_a_long_label_is_cut_short_and_kept_whole_on_hover() -> None:
    svg = str(
        compliance_bars(
            "By milestone",
            [Slice(LONG, Compliance(on_time=1)), Slice(SHORT, Compliance(violated=1))],
        )
    )
    shown = re.findall(r'text-anchor="end" fill="#1b1f24">(?:<title>([^<]*)</title>)?([^<]*)<', svg)
    assert (LONG, LONG[: LABEL_CHARS - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}") in shown
    assert ("", SHORT) in shown
    assert all(len(text) <= LABEL_CHARS for _, text in shown)
    assert f"{LONG}: 100% met of 1" in svg  # the description names it whole
