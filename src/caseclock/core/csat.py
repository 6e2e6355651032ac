"""Customer satisfaction scores: what counts as satisfied, and a score as a share of its scale.

A ``csat`` event (``core.events.CsatData``) carries a score from 1 to its ``scale`` (2 to 10,
5 by default). CSAT, as reports show it, is the share of answers that are **satisfied**: in the
top two points of a scale of 4 points or more (4 and 5 of 5, 9 and 10 of 10), the top point of
a 2- or 3-point scale. Beside it, the average score as a share of its scale, ``(score - 1) /
(scale - 1)``, 0 for the lowest and 1 for the highest, so answers on different scales average
together.
"""

from __future__ import annotations


def satisfied(score: int, scale: int) -> bool:
    """Whether ``score`` (1 to ``scale``) is a satisfied answer (see the module docstring)."""
    top = 2 if scale >= 4 else 1
    return score > scale - top


def share(score: int, scale: int) -> float:
    """``score`` as a share of its scale: 0.0 for 1, 1.0 for ``scale``."""
    return (score - 1) / (scale - 1)
