"""The diverging colour scale shared by the figures and the HTML: against red, neutral near-white, favor blue."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Diverging colours: against (negative score) → neutral → favor (positive score).
AGAINST_RGB, NEUTRAL_RGB, FAVOR_RGB = (178, 24, 43), (247, 247, 247), (33, 102, 172)
#: Grey for "not mentioned" (never read as neutral).
NOT_MENTIONED_RGB = (200, 200, 200)


def score_rgb(score: float) -> tuple[int, int, int]:
    """Return the diverging-scale ``(r, g, b)`` of a signed score in [-1, 1] (grey when missing or NaN)."""
    if score is None or pd.isna(score):
        return NOT_MENTIONED_RGB
    s = float(np.clip(score, -1, 1))
    end = FAVOR_RGB if s > 0 else AGAINST_RGB
    return tuple(int(round(n + (e - n) * abs(s))) for n, e in zip(NEUTRAL_RGB, end))


def score_css(score: float, alpha: float | None = None) -> str:
    """Return a CSS ``rgba()`` string for a score; ``alpha`` defaults to 0.12 + 0.6·|score|."""
    if score is None or pd.isna(score):
        return "rgba(200,200,200,0.5)"
    s = float(np.clip(score, -1, 1))
    r, g, b = FAVOR_RGB if s >= 0 else AGAINST_RGB
    a = 0.12 + 0.6 * abs(s) if alpha is None else alpha
    return f"rgba({r},{g},{b},{a:.2f})"
