"""Stance over time: assign documents to months or quarters and build the per-period stance table.

Pure pandas: every function takes DataFrames (and plain values) and returns DataFrames.
"""

from __future__ import annotations

import pandas as pd

from app.cells import MIN_DOCS_DEFAULT
from app.grouping import group_stance
from stance.settings import AggregateSettings

#: Period names → pandas period codes.
FREQS = {"month": "M", "quarter": "Q"}
#: The columns of an empty :func:`time_series` (a full one has the group column first).
SERIES_COLUMNS = ["period", "target", "label", "score", "ci_low", "ci_high", "confidence", "n_documents",
                  "n_documents_total", "n_sentences", "few"]


def add_period(documents: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Return the dated rows of ``documents`` with a ``period`` column: the first day of their month or quarter.

    ``freq`` is ``month``/``quarter`` (or pandas' ``M``/``Q``); undated rows are left out.
    """
    code = FREQS.get(freq, freq)
    dated = documents[documents["day"].notna()]
    return dated.assign(period=dated["day"].dt.to_period(code).dt.start_time)


def time_series(documents: pd.DataFrame, group: str, freq: str, settings: AggregateSettings,
                min_docs: int = MIN_DOCS_DEFAULT) -> pd.DataFrame:
    """Return the stance per target per group per period (``month`` or ``quarter``) with its basis.

    One row per (``group``, period, target) with ``label, score, ci_low, ci_high,
    confidence, n_documents, n_documents_total, n_sentences`` and ``few`` (fewer than
    ``min_docs`` documents mention the target), sorted by group, target and period.
    Undated documents are left out.
    """
    dated = add_period(documents, freq)
    if dated.empty:
        return pd.DataFrame(columns=[group, *SERIES_COLUMNS])
    table = group_stance(dated, [group, "period"], settings)
    table["few"] = table["n_documents"] < min_docs
    return table.sort_values([group, "target", "period"]).reset_index(drop=True)
