"""How labels, scores and documents are named on screen: plain text only, no HTML.

Callers that put these strings into HTML escape them first (see :mod:`app.markup`).
"""

from __future__ import annotations

import pandas as pd

#: The words shown for each document label.
LABEL_TEXT = {"favor": "favor", "against": "against", "neutral": "neutral", "not_mentioned": "not mentioned"}


def fmt_score(score: float) -> str:
    """Return a signed score with two decimals and a true minus sign (``+0.31``, ``−0.20``)."""
    return f"{score:+.2f}".replace("-", "−")


def plural(n: int, word: str) -> str:
    """Return ``"1 doc"`` or ``"3 docs"``: ``n`` and ``word``, with an ``s`` unless ``n`` is 1."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def shorten(text: str, width: int) -> str:
    """Return ``text`` with its whitespace collapsed, cut to ``width`` characters with ``…`` when longer."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def doc_label(row: dict | pd.Series, width: int = 70) -> str:
    """Return a short unique label for a document row: ``title — source [doc_id]``."""
    title = str(row.get("title") or "").strip() or "(untitled)"
    return f"{shorten(title, width)} — {row.get('source', '')} [{row['doc_id']}]"


def doc_axis_label(row: dict | pd.Series) -> str:
    """Return a compact axis label for a document row: short title · source · date."""
    title = str(row.get("title") or "").strip() or str(row["doc_id"])
    date_txt = f" · {row['date']}" if str(row.get("date") or "").strip() else ""
    return f"{shorten(title, 30)} · {shorten(str(row.get('source', '')), 18)}{date_txt}"
