"""The Matrix tab: group × target heatmap, its rule, the evidence of one clicked cell and the tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import figures
from app.cache import grouped, mention_matchers, panels, token_of
from app.cells import matrix_cells, order_rows, wide_matrix
from app.corpus import Corpus, View
from app.data import source_counts
from app.grouping import row_documents
from app.markup import panel_html
from app.state import clicked_cell, keep_valid
from app.widgets import download_row, show_html

#: Plotly chart options of the clickable heatmaps.
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def matrix_of(view: View) -> tuple[pd.DataFrame, str, str, pd.DataFrame]:
    """Return the matrix of a view: (documents behind its rows, row column, cache token, cells).

    The cells come from :func:`app.cells.matrix_cells` (no cells when no document is left).
    """
    c, opts = view.corpus, view.opts
    rows_docs, row = row_documents(view.docs, view.filters, opts)
    token = token_of(c.token, view.filters, opts["group"], opts.get("top"), str(opts["groups"]))
    table = grouped(rows_docs, token, (row,), c.agg_key) if len(rows_docs) else pd.DataFrame()
    return rows_docs, row, token, matrix_cells(table, row, opts["min_docs"])


def render(view: View) -> None:
    """Draw the group × target heatmap, its rule, the evidence of one cell and the tables."""
    c = view.corpus
    rows_docs, row, token, cells = matrix_of(view)
    if rows_docs.empty:
        st.info("No documents match the filters (or the custom groups name no outlet in this corpus).")
        return
    order = st.radio("Order rows by", ["documents", "score", "name"], horizontal=True, key="order")
    rows = order_rows(cells, order)
    targets = [t for t in c.targets if t in set(cells["target"])]
    title = f"{row} × target — {rows_docs['doc_id'].nunique():,} documents"
    st.plotly_chart(figures.matrix_figure(cells, rows, targets, title), key="matrix_chart", on_select=on_cell_click,
                    selection_mode="points", config=CHART_CONFIG)
    st.caption(f"Colour = mean document score (favor − against) of the documents that mention the target: blue favor, "
               f"red against, near-white neutral; the colour bar's range fits the scores shown (document scores "
               f"are shrunk toward 0 when they rest on few sentences, so source means are small). "
               f"Grey hatched = **not mentioned** (no document names it — not neutral). "
               f"Dotted, dimmed cells rest on **few documents** (fewer than {view.opts['min_docs']}; change the rule in the "
               f"sidebar) — read them with care. ✎n = n human labels. Hover a cell for confidence, 95% interval and "
               f"label counts; **click a cell** for its evidence below.")
    evidence_for_cell(rows_docs, token, row, rows, targets, c)
    with st.expander("Matrix table", expanded=False):
        wide = wide_matrix(cells, targets).rename(columns={"row": row})
        st.dataframe(wide, hide_index=True, width="stretch")
        numbers = cells.drop(columns=["text", "hover"]).rename(columns={"row": row})
        download_row("matrix", lambda: {"matrix": numbers}, "matrix", len(numbers))
    with st.expander("All sources: documents, dates, rating"):
        counts = source_counts(view.docs)
        st.dataframe(counts, hide_index=True, width="stretch",
                     column_config={"first": st.column_config.DateColumn(), "last": st.column_config.DateColumn()})
        download_row("sources", lambda: {"sources": counts}, "sources", len(counts))


def on_cell_click() -> None:
    """Show the clicked matrix cell in the evidence pickers."""
    cell = clicked_cell("matrix_chart")
    if cell:
        st.session_state["cell_row"], st.session_state["cell_target"] = str(cell[0]), str(cell[1])


def evidence_for_cell(docs: pd.DataFrame, token: str, row: str, rows: list[str], targets: list[str], c: Corpus) -> None:
    """Draw the evidence behind one matrix cell (row picked among ``rows``, target among ``targets``), one click away."""
    st.markdown("**Evidence for a cell**")
    a, b = st.columns(2)
    keep_valid("cell_row", rows)
    keep_valid("cell_target", targets)
    pick = a.selectbox(row.capitalize(), rows, key="cell_row")
    target = b.selectbox("Target", targets, key="cell_target")
    if pick is None or target is None:
        return
    panel = panels(docs, token, target, (pick,), row, c.agg_key, 5)[0]
    show_html(panel_html(panel, mention_matchers((target,))))
