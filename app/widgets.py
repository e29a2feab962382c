"""Small drawing helpers shared by the tabs: download buttons and our own (already escaped) HTML."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from stance.io.export import FORMATS, tables_to_bytes

#: Download MIME type per export format.
MIME = {"csv": "text/csv", "json": "application/json", "parquet": "application/octet-stream",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download_row(name: str, tables: Callable[[], dict[str, pd.DataFrame]], key: str, n_rows: int) -> None:
    """Draw one download button per format for the tables ``tables()`` returns; files are built only when clicked."""
    cols = st.columns([2, 1, 1, 1, 1], vertical_alignment="center")
    cols[0].markdown(f"<span class='basis'>Download <b>{name}</b> ({n_rows:,} rows, current filters)</span>",
                     unsafe_allow_html=True)
    for col, fmt in zip(cols[1:], FORMATS):
        col.download_button(fmt.upper(), data=_serialiser(tables, fmt), file_name=f"{key}.{fmt}", mime=MIME[fmt],
                            key=f"dl_{key}_{fmt}", on_click="ignore", width="stretch")


def _serialiser(tables: Callable[[], dict[str, pd.DataFrame]], fmt: str) -> Callable[[], bytes]:
    """Return a callable that serialises ``tables()`` to ``fmt`` bytes when called."""
    return lambda: tables_to_bytes(tables(), fmt)


def show_html(body: str) -> None:
    """Render our own HTML ``body`` (built by :mod:`app.markup`, so document text in it is already escaped)."""
    st.html(body)
