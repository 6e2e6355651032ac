"""The words a person wrote in a comment: quoted reply text and signatures taken out.

Mail clients quote the message they answer below (or above) the reply. Scoring the quote would
score the agent's own words as the customer's, so everything from the first quote marker on is
dropped: lines starting with ``>``, an ``On <date>, <someone> wrote:`` line, an Outlook
``-----Original Message-----`` or ``From:``/``Sent:`` header block, and a ``-- `` signature.
"""

from __future__ import annotations

import re
from typing import Final

_QUOTE_START: Final = re.compile(
    r"""^\s*(?:
        >                                   # a quoted line
      | on\s.{1,200}\swrote:\s*$            # On Mon, 3 Mar 2026, Ana <ana@x> wrote:
      | -{2,}\s*original\s+message\s*-{2,}  # Outlook
      | from:\s.+$                          # a forwarded header block
      | --\s*$                              # a signature separator
      | _{5,}\s*$                           # an Outlook rule
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def own_words(body: str | None) -> str:
    """The text of ``body`` above its first quote marker, stripped; empty for no body."""
    if not body:
        return ""
    kept: list[str] = []
    for line in body.splitlines():
        if _QUOTE_START.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip()


_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences at end punctuation followed by a capital, and at blank
    lines; each stripped, empty ones dropped."""
    found: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=[-*•] )", text):
        for piece in _SENTENCE_END.split(" ".join(block.split())):
            if piece.strip():
                found.append(piece.strip())
    return found
