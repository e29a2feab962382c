"""The Time tab: stance per target per group by month or quarter, with document counts."""

from __future__ import annotations

import streamlit as st

from app import figures
from app.cache import time_table, token_of
from app.corpus import View
from app.grouping import row_documents
from app.widgets import download_row

#: At most this many of the most prolific outlets get a line when rows are sources.
MAX_LINES = 6


def render(view: View) -> None:
    """Draw one line chart per target (a line per group, bands, document bars) and the time table."""
    c, docs, filters, opts = view.corpus, view.docs, view.filters, view.opts
    if docs["day"].notna().sum() == 0:
        st.info("This corpus has no dated documents, so there is no time view.")
        return
    freq = st.radio("Period", ["quarter", "month"], horizontal=True, key="freq", bind="query-params")
    rows_docs, row = row_documents(docs, filters, {**opts, "top": min(int(opts.get("top", MAX_LINES)), MAX_LINES)})
    undated = rows_docs[rows_docs["day"].isna()]["doc_id"].nunique()
    series = time_table(rows_docs, token_of(c.token, filters, opts["group"], str(opts["groups"]), "time"), row, freq,
                        c.agg_key, opts["min_docs"])
    if series.empty:
        st.info("No dated documents match the filters.")
        return
    note = " (the 6 most prolific outlets; pick others in the sidebar)" if row == "source" and not filters.sources else ""
    st.caption(f"Lines: mean document score per {freq} for each {row}{note}; bands: 95% bootstrap interval; hollow "
               f"markers: fewer than {opts['min_docs']} documents; bars: documents mentioning the target. "
               f"{undated:,} undated documents are not shown.")
    for target in [t for t in c.targets if t in set(series["target"])]:
        st.plotly_chart(figures.time_figure(series, row, target, freq), key=f"time_{target}",
                        config={"displaylogo": False})
    out = series.drop(columns=["few"]).assign(period=series["period"].dt.date)
    with st.expander("Time table"):
        st.dataframe(out, hide_index=True, width="stretch")
    download_row("time series", lambda: {"time": out}, "time_series", len(out))
