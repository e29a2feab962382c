"""The Export tab: the matrix, document and sentence tables as CSV, XLSX, JSON or Parquet, following the filters."""

from __future__ import annotations

import streamlit as st

from app.corpus import View
from app.markup import md_escape
from app.pages.matrix import matrix_of
from app.tables import export_tables
from app.widgets import MIME, download_row
from stance.io.export import tables_to_bytes


def render(view: View) -> None:
    """Draw the filters in force, one download row per table and a one-workbook download.

    The tables are also kept in ``st.session_state["export_tables"]`` (the tests read them).
    """
    c, filters = view.corpus, view.filters
    _, row, _, cells = matrix_of(view)
    tables = export_tables(cells, view.docs, c.sentences, row)
    st.session_state["export_tables"] = tables
    st.markdown("Every download reflects the current filters and includes human labels (`label_source = human`).")
    st.caption(f"Filters: targets {md_escape(', '.join(filters.targets) or 'all')} · "
               f"sources {md_escape(', '.join(filters.sources) or 'all')} · "
               f"dates {filters.date_from or 'any'} – {filters.date_to or 'any'} · min confidence {filters.min_confidence:.2f}"
               f" · search {md_escape(filters.query or '—')}")
    for name, df in tables.items():
        download_row(name, lambda name=name, df=df: {name: df}, name, len(df))
    workbook = st.columns([2, 4])
    workbook[0].download_button("All three as one XLSX workbook", data=lambda: tables_to_bytes(tables, "xlsx"),
                                file_name=f"stance_{c.name}.xlsx", mime=MIME["xlsx"], key="dl_all_xlsx", on_click="ignore")
