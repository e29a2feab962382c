"""Human label overrides: a person corrects a document × target label, with a note.

Overrides live in ``overrides.csv`` beside the results they correct (``results/<corpus>/``),
one row per document and target (``doc_id, target, label, note, created``); saving a new
label for the same pair replaces the old one. The file is rewritten atomically, so a
crash never leaves half a file.

Applying overrides to the document table keeps the model's answer in ``label_model``,
``score_model`` and ``confidence_model`` and marks the row ``label_source = "human"``
(``"model"`` otherwise). Group tables (sources, ratings, periods) are then rebuilt from the
overridden documents, so a correction moves every view and export. A group score is a
mean of document scores, so a human label also sets the document's score: the model's
score is kept when it already lies in the human label's band (a confirmation changes
nothing), otherwise it becomes the band's anchor, +1 (favor), −1 (against) or 0
(neutral); "not mentioned" takes the document out of the target's averages. Confidence
of a human label is 1.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from stance.documents.rule import label_from_score
from stance.settings import DOC_LABELS

FILE_NAME = "overrides.csv"
COLUMNS = ["doc_id", "target", "label", "note", "created"]
ANCHOR = {"favor": 1.0, "against": -1.0, "neutral": 0.0}


class OverrideError(ValueError):
    """An overrides file or a new override is invalid; the message names file, row and problem."""


def overrides_path(folder: str | Path) -> Path:
    """Return the overrides file of a results folder."""
    return Path(folder) / FILE_NAME


def empty_overrides() -> pd.DataFrame:
    """Return an empty overrides table with the right columns."""
    return pd.DataFrame({c: pd.Series(dtype=str) for c in COLUMNS})


def load_overrides(folder: str | Path) -> pd.DataFrame:
    """Read ``overrides.csv`` of ``folder`` (an empty table when there is none).

    Raises :class:`OverrideError` naming the file and row for a missing column or a label
    that is not one of favor / against / neutral / not_mentioned.
    """
    path = overrides_path(folder)
    if not path.is_file():
        return empty_overrides()
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("doc_id", "target", "label") if c not in table.columns]
    if missing:
        raise OverrideError(f"{path}: missing column(s) {', '.join(missing)}")
    for col in COLUMNS:
        if col not in table:
            table[col] = ""
    bad = table[~table["label"].isin(DOC_LABELS)]
    if len(bad):
        row = int(bad.index[0]) + 2
        raise OverrideError(f"{path}: row {row} has label {bad.iloc[0]['label']!r}; use one of {', '.join(DOC_LABELS)}")
    return table[COLUMNS].drop_duplicates(["doc_id", "target"], keep="last").reset_index(drop=True)


def _write_atomic(table: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".overrides-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            table.to_csv(fh, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def set_override(folder: str | Path, doc_id: str, target: str, label: str, note: str = "",
                 now: datetime | None = None) -> pd.DataFrame:
    """Save a human label for ``doc_id`` × ``target`` (replacing an earlier one); returns the new table.

    Raises :class:`OverrideError` for an unknown label or an empty document id or target.
    """
    if label not in DOC_LABELS:
        raise OverrideError(f"label {label!r} is not one of {', '.join(DOC_LABELS)}")
    if not str(doc_id).strip() or not str(target).strip():
        raise OverrideError("an override needs a document id and a target")
    table = load_overrides(folder)
    table = table[~((table["doc_id"] == doc_id) & (table["target"] == target))]
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    row = pd.DataFrame([{"doc_id": doc_id, "target": target, "label": label, "note": note.strip(), "created": stamp}])
    table = pd.concat([table, row], ignore_index=True)[COLUMNS]
    _write_atomic(table, overrides_path(folder))
    return table


def remove_override(folder: str | Path, doc_id: str, target: str) -> pd.DataFrame:
    """Delete the human label of ``doc_id`` × ``target`` (nothing happens when there is none)."""
    table = load_overrides(folder)
    keep = ~((table["doc_id"] == doc_id) & (table["target"] == target))
    if keep.all():
        return table
    table = table[keep].reset_index(drop=True)
    _write_atomic(table, overrides_path(folder))
    return table


def human_score(label: str, model_score: float, threshold: float) -> float:
    """Return the document score that goes with a human ``label`` (see the module docstring)."""
    if label == "not_mentioned":
        return float("nan")
    if not pd.isna(model_score) and str(label_from_score(model_score, threshold)) == label:
        return float(model_score)
    return ANCHOR[label]


def apply_overrides(documents: pd.DataFrame, overrides: pd.DataFrame, threshold: float = 0.15) -> pd.DataFrame:
    """Return the document table with human labels applied and marked.

    Adds ``label_source`` (``human``/``model``), ``label_model``, ``score_model``,
    ``confidence_model`` and ``override_note``; for overridden rows sets ``label``,
    ``score`` (:func:`human_score`) and ``confidence`` = 1. Overrides naming documents or
    targets that are not in ``documents`` are ignored.
    """
    out = documents.copy()
    out["label_model"] = out["label"]
    out["score_model"] = out["score"]
    out["confidence_model"] = out["confidence"]
    out["label_source"] = "model"
    out["override_note"] = ""
    if overrides is None or overrides.empty:
        return out
    keyed = overrides.set_index(["doc_id", "target"])
    idx = pd.MultiIndex.from_frame(out[["doc_id", "target"]].astype(str))
    hit = idx.isin(keyed.index)
    if not hit.any():
        return out
    found = keyed.reindex(idx[hit])
    labels = found["label"].to_numpy()
    model_scores = out.loc[hit, "score"].to_numpy(float)
    out.loc[hit, "label"] = labels
    out.loc[hit, "score"] = np.array([human_score(lab, s, threshold) for lab, s in zip(labels, model_scores)])
    out.loc[hit, "confidence"] = 1.0
    out.loc[hit, "label_source"] = "human"
    out.loc[hit, "override_note"] = found["note"].fillna("").to_numpy()
    return out
