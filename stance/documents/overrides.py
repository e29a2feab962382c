"""Human label overrides: a person corrects a document × target label, with a note.

Overrides live in ``overrides.csv`` beside the results they correct (``results/<corpus>/``),
one row per document and target (``doc_id, target, label, note, created``); saving a new
label for the same pair replaces the old one.

Reading never takes a view down (:mod:`stance.documents.override_file`): a bad row (unknown
label, no document id, an unclosed quote) is skipped and reported with its file and line by
:func:`read_overrides`, and a file re-saved as Windows-1252 is decoded with a note. Saving
locks the file against other saves (two browser tabs), rewrites it atomically as UTF-8 with
normal permissions, and first keeps a copy of a file that had skipped rows as
``overrides.csv.bad-<UTC time>``, so a fixable row is never lost.

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

from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from stance.documents.override_file import locked, normal_label, parse_rows, rows_lost, write_atomic
from stance.documents.rule import label_from_score
from stance.settings import DOC_LABELS

FILE_NAME = "overrides.csv"
COLUMNS = ["doc_id", "target", "label", "note", "created"]
ANCHOR = {"favor": 1.0, "against": -1.0, "neutral": 0.0}


class OverrideError(ValueError):
    """A new override is invalid, or the file cannot be saved; the message names the problem."""


class OverridesRead(NamedTuple):
    """What :func:`read_overrides` found: the good rows and one line per problem (file and line named)."""

    table: pd.DataFrame
    problems: list[str]


def overrides_path(folder: str | Path) -> Path:
    """Return the overrides file of a results folder."""
    return Path(folder) / FILE_NAME


def empty_overrides() -> pd.DataFrame:
    """Return an empty overrides table with the right columns."""
    return pd.DataFrame({c: pd.Series(dtype=str) for c in COLUMNS})


def _table(rows: list[dict]) -> pd.DataFrame:
    """Return the overrides table of parsed ``rows``: the columns of :data:`COLUMNS`, the last row per pair."""
    if not rows:
        return empty_overrides()
    table = pd.DataFrame([{c: str(r.get(c) or "") for c in COLUMNS} for r in rows], columns=COLUMNS)
    return table.drop_duplicates(["doc_id", "target"], keep="last").reset_index(drop=True)


def read_overrides(folder: str | Path) -> OverridesRead:
    """Read ``overrides.csv`` of ``folder``; returns the good rows and the problems (never raises on the content).

    No file gives an empty table and no problem; a file that cannot be read gives an empty
    table and that problem. See :func:`stance.documents.override_file.parse_rows` for the rows.
    """
    path = overrides_path(folder)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return OverridesRead(empty_overrides(), [])
    except OSError as exc:
        return OverridesRead(empty_overrides(), [f"{path}: cannot be read ({exc.strerror or exc})"])
    rows, problems = parse_rows(data, path)
    return OverridesRead(_table(rows), problems)


def load_overrides(folder: str | Path) -> pd.DataFrame:
    """Return the good rows of ``overrides.csv`` of ``folder`` (an empty table when there is none).

    Bad rows are skipped; :func:`read_overrides` also returns what was wrong with them.
    """
    return read_overrides(folder).table


def _save(folder: str | Path, change) -> pd.DataFrame:
    """Under the file lock, read the overrides, apply ``change(table) -> table`` and write the result; returns it.

    Nothing is written when ``change`` returns the table it was given. A file with skipped rows
    is copied to ``overrides.csv.bad-<UTC time>`` before it is replaced. Raises
    :class:`OverrideError` when the lock cannot be had or the file cannot be written.
    """
    path = overrides_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path):
            table, problems = read_overrides(folder)
            new = change(table)
            if new is table:
                return table
            if rows_lost(problems):
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
                write_atomic(path.read_bytes(), path.with_name(f"{path.name}.bad-{stamp}"))
            write_atomic(new[COLUMNS].to_csv(index=False).encode("utf-8"), path)
            return new
    except OSError as exc:
        raise OverrideError(f"{path}: cannot save the human label ({exc})") from exc


def set_override(folder: str | Path, doc_id: str, target: str, label: str, note: str = "",
                 now: datetime | None = None) -> pd.DataFrame:
    """Save a human label for ``doc_id`` × ``target`` (replacing an earlier one); returns the new table.

    Safe against other saves at the same time (file lock). Raises :class:`OverrideError` for an
    unknown label, an empty document id or target, or a file that cannot be saved.
    """
    if normal_label(label) not in DOC_LABELS:
        raise OverrideError(f"label {label!r} is not one of {', '.join(DOC_LABELS)}")
    if not str(doc_id).strip() or not str(target).strip():
        raise OverrideError("an override needs a document id and a target")
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    row = pd.DataFrame([{"doc_id": str(doc_id), "target": str(target), "label": normal_label(label),
                         "note": (note or "").strip(), "created": stamp}])

    def change(table: pd.DataFrame) -> pd.DataFrame:
        keep = table[~((table["doc_id"] == str(doc_id)) & (table["target"] == str(target)))]
        return pd.concat([keep, row], ignore_index=True)[COLUMNS]
    return _save(folder, change)


def remove_override(folder: str | Path, doc_id: str, target: str) -> pd.DataFrame:
    """Delete the human label of ``doc_id`` × ``target`` (nothing happens when there is none); returns the table."""
    def change(table: pd.DataFrame) -> pd.DataFrame:
        keep = ~((table["doc_id"] == str(doc_id)) & (table["target"] == str(target)))
        return table if keep.all() else table[keep].reset_index(drop=True)
    if not overrides_path(folder).is_file():
        return empty_overrides()
    return _save(folder, change)


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
