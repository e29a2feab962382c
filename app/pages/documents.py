"""The Documents tab: document × target heatmap for a page of documents, and the filterable document table."""

from __future__ import annotations

import streamlit as st

from app import figures
from app.cells import document_cells
from app.corpus import View
from app.evidence import strongest_evidence
from app.labels import doc_axis_label
from app.pages.matrix import CHART_CONFIG
from app.state import clicked_cell
from app.widgets import download_row
from stance.settings import DOC_LABELS

#: Session key of the heatmap's row label → doc_id map (ids may hold any character, so labels are not parsed).
ROW_IDS = "doc_chart_ids"
#: Columns of the document table, in order (those present).
TABLE_COLUMNS = ["doc_id", "source", "title", "date", "rating", "topic", "target", "label", "label_source", "score",
                 "confidence", "n_sentences", "n_attributed", "strongest", "override_note"]


def render(view: View) -> None:
    """Draw the document × target heatmap of the newest documents and the document table with downloads."""
    c, docs = view.corpus, view.docs
    n_docs = docs["doc_id"].nunique()
    labels = st.multiselect("Labels", list(DOC_LABELS), default=list(DOC_LABELS), key="doc_labels")
    shown = docs[docs["label"].isin(labels)]
    ids = shown.sort_values(["day", "doc_id"], ascending=[False, True])["doc_id"].drop_duplicates().tolist()
    limit = st.slider("Documents in the heatmap", 5, max(5, min(200, len(ids))), min(30, max(5, len(ids))), key="doc_rows") \
        if len(ids) > 5 else len(ids)
    cells = document_cells(docs[docs["doc_id"].isin(ids[:limit])])
    if not cells.empty:
        rows = list(dict.fromkeys(cells.set_index("doc_id").loc[ids[:limit], "row"]))
        first = docs.drop_duplicates("doc_id").set_index("doc_id")
        labels = [doc_axis_label({**first.loc[d].to_dict(), "doc_id": d}) for d in ids[:limit]]
        targets = [t for t in c.targets if t in set(cells["target"])]
        st.session_state[ROW_IDS] = dict(zip(cells["row"], cells["doc_id"]))  # a click gives the row; this its document
        title = f"document × target — newest {limit} of {n_docs:,}"
        st.plotly_chart(figures.matrix_figure(cells, rows, targets, title, labels),
                        key="doc_chart", on_select=on_document_click, selection_mode="points", config=CHART_CONFIG)
        st.caption("Each cell: the document's label, its score and the number of sentences naming the target; hover for "
                   "confidence and the strongest evidence; **click a cell** to open the document in Drill-down.")
    table = shown.assign(strongest=[(strongest_evidence(r, 1) or [{"text": ""}])[0]["text"]
                                    for r in shown.to_dict("records")])
    cols = [col for col in TABLE_COLUMNS if col in table]
    st.dataframe(table[cols], hide_index=True, width="stretch", height=360,
                 column_config={"score": st.column_config.NumberColumn(format="%+.2f"),
                                "confidence": st.column_config.ProgressColumn(min_value=0, max_value=1, format="%.2f")})
    download_row("documents", lambda: {"documents": table.drop(columns=["day"], errors="ignore")}, "documents", len(table))


def on_document_click() -> None:
    """Open the clicked document of the document matrix in the Drill-down tab."""
    cell = clicked_cell("doc_chart")
    if cell:
        doc_id = st.session_state.get(ROW_IDS, {}).get(str(cell[0])) or str(cell[0]).rsplit("[", 1)[-1].rstrip("]")
        st.session_state["doc"], st.session_state["dd_target"], st.session_state["tab"] = doc_id, str(cell[1]), "Drill-down"
