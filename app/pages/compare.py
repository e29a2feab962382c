"""The Compare tab: 2–3 sources (or documents) side by side toward one target, strongest evidence first."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from app.cache import mention_matchers, panels, token_of
from app.corpus import View
from app.data import date_bounds, top_sources
from app.labels import doc_label
from app.markup import md_escape, panel_html
from app.state import seed_from_url, write_to_url
from app.widgets import show_html


def render(view: View) -> None:
    """Draw the pickers (sources or documents, target, date window) and one column per pick."""
    c, docs = view.corpus, view.docs
    a, b = st.columns([1, 2])
    by = a.radio("Compare", ["sources", "documents"], horizontal=True, key="cmp_by", bind="query-params")
    target = b.selectbox("Target", c.targets, key="cmp_target", bind="query-params")
    window = compare_window(docs)
    if window is not None:
        docs = docs[(docs["day"] >= pd.Timestamp(window[0])) & (docs["day"] <= pd.Timestamp(window[1]))]
    if by == "sources":
        picked = st.multiselect("Pick 2–3 sources", top_sources(docs, None), key="compare", bind="query-params",
                                max_selections=3, help="Sorted by number of documents.")
    else:
        first = docs.drop_duplicates("doc_id")
        labels = {r["doc_id"]: doc_label(r) for r in first.to_dict("records")}
        seed_from_url("compare_docs", list(labels), many=True)
        picked = st.multiselect("Pick 2–3 documents", list(labels), key="compare_docs", max_selections=3,
                                format_func=lambda d: labels.get(d, d))
        write_to_url("compare_docs", picked)
    if not picked:
        st.info(f"Pick two or three {by} to see their stance toward {target} side by side, with the evidence.")
        return
    token = token_of(c.token, view.filters, window)
    shown = panels(docs, token, target, tuple(picked), "source" if by == "sources" else "doc_id", c.agg_key, 6)
    for col, panel in zip(st.columns(len(shown), border=True), shown):
        with col:
            st.markdown(f"**{md_escape(panel.title)}**")
            show_html(panel_html(panel, mention_matchers((target,))))


def compare_window(docs: pd.DataFrame) -> tuple[date, date] | None:
    """Draw an optional date window for the comparison (within the sidebar's); return it, ``None`` for all of ``docs``."""
    bounds = date_bounds(docs)
    if bounds is None or bounds[0] == bounds[1]:
        return None
    picked = st.date_input("Date window for this comparison", value=bounds, min_value=bounds[0], max_value=bounds[1],
                           key="cmp_dates")
    if not isinstance(picked, tuple | list) or len(picked) != 2 or tuple(picked) == bounds:
        return None
    return picked[0], picked[1]
