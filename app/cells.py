"""Heatmap cells: group × target and document × target cells with their text and hover, grids, tables and row order.

Pure pandas: every function takes DataFrames (and plain values) and returns DataFrames,
arrays or lists. Hover text is HTML (Plotly renders it): every piece of document text in
it (group names, targets, titles, evidence) is escaped before our own tags are added.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd

from app.evidence import strongest_evidence
from app.labels import LABEL_TEXT, doc_label, fmt_score, plural, shorten

#: Cells resting on fewer documents than this are marked "few documents" by default.
MIN_DOCS_DEFAULT = 5
#: The columns of :func:`matrix_cells`.
CELL_COLUMNS = ["row", "target", "label", "score", "confidence", "ci_low", "ci_high", "n_documents",
                "n_documents_total", "n_sentences", "n_favor", "n_against", "n_neutral", "n_not_mentioned",
                "n_human", "state", "text", "hover"]
#: The columns of :func:`document_cells`.
DOCUMENT_CELL_COLUMNS = ["row", "doc_id", "target", "label", "score", "confidence", "n_documents", "n_sentences",
                         "n_human", "state", "text", "hover"]


def cell_state(label: str, n_documents: int, min_docs: int) -> str:
    """Return ``not_mentioned``, ``few`` (resting on fewer than ``min_docs`` documents) or ``ok``."""
    if label == "not_mentioned" or n_documents == 0:
        return "not_mentioned"
    return "few" if n_documents < min_docs else "ok"


def _group_cell(r: dict, row: str, min_docs: int) -> dict:
    """Return ``state``, ``text`` and ``hover`` of one group × target record."""
    state = cell_state(r["label"], int(r["n_documents"]), min_docs)
    human = f" ✎{int(r['n_human'])}" if r.get("n_human", 0) else ""
    name = html.escape(str(r[row]))
    head = f"<b>{name}</b> × <b>{html.escape(str(r['target']))}</b>"
    basis = (f"{int(r['n_documents'])} of {int(r['n_documents_total'])} documents mention it, "
             f"{int(r['n_sentences'])} sentences")
    counts = f"favor {r['n_favor']} · against {r['n_against']} · neutral {r['n_neutral']} · not mentioned {r['n_not_mentioned']}"
    if state == "not_mentioned":
        text = f"not mentioned<br>0 of {plural(int(r['n_documents_total']), 'doc')}"
        hover = f"{head}<br>not mentioned in any of {int(r['n_documents_total'])} documents"
    else:
        n_doc = int(r["n_documents"])
        text = (f"{LABEL_TEXT[r['label']]} {fmt_score(r['score'])}{human}"
                f"<br>{plural(n_doc, 'doc')} · {int(r['n_sentences'])} sent.")
        if state == "few":
            text += "<br><i>few docs</i>"
        hover = (f"{head}<br>{r['label']}, score {fmt_score(r['score'])} "
                 f"(95% interval {fmt_score(r['ci_low'])} … {fmt_score(r['ci_high'])})"
                 f"<br>confidence {r['confidence']:.2f}<br>{basis}<br>{counts}")
        if state == "few":
            hover += f"<br><i>few documents: fewer than {min_docs}</i>"
    if human:
        hover += f"<br>✎ includes {int(r['n_human'])} human label(s)"
    return {"state": state, "text": text, "hover": hover}


def matrix_cells(groups: pd.DataFrame, row: str, min_docs: int = MIN_DOCS_DEFAULT) -> pd.DataFrame:
    """Turn a :func:`app.grouping.group_stance` table into heatmap cells (one per row × target).

    Returns :data:`CELL_COLUMNS`: adds ``state`` (``ok`` / ``few`` / ``not_mentioned``),
    ``text`` (label, signed score, n documents and n sentences, a ✎ with the number of human
    labels) and ``hover`` (confidence, 95% interval and the label counts); the row key
    (column ``row`` of ``groups``) is renamed ``row``. An empty table gives no cells.
    """
    if groups.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    recs = groups.to_dict("records")
    extra = [_group_cell(r, row, min_docs) for r in recs]
    out = pd.DataFrame(recs).rename(columns={row: "row"})
    for k in ("state", "text", "hover"):
        out[k] = [e[k] for e in extra]
    if "n_human" not in out:
        out["n_human"] = 0
    return out[CELL_COLUMNS]


def document_cells(documents: pd.DataFrame) -> pd.DataFrame:
    """Return heatmap cells (:data:`DOCUMENT_CELL_COLUMNS`) for the document × target view (row = document label).

    A document cell rests on its sentences: ``text`` gives label, score and n sentences,
    ``hover`` the confidence and the strongest evidence sentence.
    """
    rows = []
    for r in documents.to_dict("records"):
        label, n = r["label"], int(r["n_sentences"])
        human = r.get("label_source") == "human"
        mark = " ✎" if human else ""
        head = f"<b>{html.escape(doc_label(r))}</b> × <b>{html.escape(str(r['target']))}</b>"
        if label == "not_mentioned" and not human:
            state, text, hover = "not_mentioned", "not mentioned", f"{head}<br>no sentence names the target"
        else:
            state = "ok"
            score = "" if pd.isna(r["score"]) else f" {fmt_score(r['score'])}"
            text = f"{LABEL_TEXT[label]}{score}{mark}<br>{n} sent."
            top = strongest_evidence(r, 1)
            quote = html.escape(shorten(top[0]["text"], 90)) if top else "—"
            hover = f"{head}<br>{label}{score}, confidence {r['confidence']:.2f}, {n} sentences<br>strongest: {quote}"
            if human:
                note = html.escape(str(r.get("override_note", "")))
                hover += f"<br>✎ human label (model said {r.get('label_model', '?')}); note: {note}"
        rows.append({"row": doc_label(r), "doc_id": r["doc_id"], "target": r["target"], "label": label, "score": r["score"],
                     "confidence": r["confidence"], "n_documents": 1, "n_sentences": n, "n_human": int(human),
                     "state": state, "text": text, "hover": hover})
    return pd.DataFrame(rows, columns=DOCUMENT_CELL_COLUMNS)


def cell_grid(cells: pd.DataFrame, rows: Sequence[str], targets: Sequence[str], column: str) -> np.ndarray:
    """Return ``cells[column]`` as a rows × targets array (missing cells NaN for ``score``, else ``None``)."""
    numeric = column == "score"
    grid = np.full((len(rows), len(targets)), np.nan if numeric else None, dtype=float if numeric else object)
    r_pos = {r: i for i, r in enumerate(rows)}
    t_pos = {t: j for j, t in enumerate(targets)}
    for r, t, v in zip(cells["row"], cells["target"], cells[column]):
        i, j = r_pos.get(r), t_pos.get(t)
        if i is not None and j is not None:
            grid[i, j] = v
    return grid


def wide_matrix(cells: pd.DataFrame, targets: Sequence[str]) -> pd.DataFrame:
    """Return the matrix as a readable table: one row per group, a ``label score (n docs/n sent, conf)`` column per target."""
    def text(r: pd.Series) -> str:
        if r["state"] == "not_mentioned":
            return f"not mentioned (0/{int(r['n_documents_total'])} docs)"
        few = ", few docs" if r["state"] == "few" else ""
        human = f", {int(r['n_human'])} human" if r["n_human"] else ""
        return (f"{r['label']} {r['score']:+.2f} ({int(r['n_documents'])} docs/{int(r['n_sentences'])} sent, "
                f"conf {r['confidence']:.2f}{few}{human})")
    if cells.empty:
        return pd.DataFrame(columns=["row", *targets])
    out = cells.assign(cell=cells.apply(text, axis=1)).pivot(index="row", columns="target", values="cell")
    return out.reindex(columns=[t for t in targets if t in out.columns]).reset_index()


def order_rows(cells: pd.DataFrame, by: str = "documents") -> list[str]:
    """Return the row keys of ``cells`` ordered by total documents (desc), by ``score`` (mean, desc) or by ``name``."""
    if cells.empty:
        return []
    if by == "name":
        return sorted(cells["row"].astype(str).unique())
    if by == "score":
        mean = cells.groupby("row")["score"].mean().fillna(-9)
        return list(mean.sort_values(ascending=False, kind="stable").index)
    total = cells.groupby("row")["n_documents_total"].max() if "n_documents_total" in cells else cells.groupby("row").size()
    return [k for k, _ in sorted(total.items(), key=lambda kv: (-kv[1], str(kv[0])))]
