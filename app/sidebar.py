"""The sidebar: corpus switcher, filters and the row choice; every value is kept in the URL query string."""

from __future__ import annotations

from datetime import date

import streamlit as st

from app.cells import MIN_DOCS_DEFAULT
from app.corpus import Corpus
from app.data import date_bounds, default_corpus, metadata_columns, top_sources
from app.filters import Filters
from app.grouping import CUSTOM, parse_grouping, unknown_outlets
from app.state import on_corpus_change


def pick_corpus(names: list[str]) -> str:
    """Draw the corpus switcher over ``names``; return the chosen corpus name."""
    default = default_corpus(names)
    return st.sidebar.selectbox("Corpus", names, index=names.index(default), key="corpus", bind="query-params",
                                on_change=on_corpus_change, help="Folders under results/ that hold a documents table.")


def pick_filters(c: Corpus) -> tuple[Filters, dict]:
    """Draw the filters for corpus ``c``; return them and the row choice (``group, groups, top, min_docs``)."""
    sb = st.sidebar
    targets = sb.multiselect("Targets", c.targets, default=c.targets, key="targets", bind="query-params")
    group_opts = metadata_columns(c.documents) + [CUSTOM]
    group = sb.selectbox("Rows: group documents by", group_opts, key="group", bind="query-params",
                         help="source = one row per outlet; rating/topic = metadata columns; custom = your own groups.")
    opts = {"group": group, "groups": {}, "top": 20}
    if group == CUSTOM:
        text = sb.text_area("Custom groups, one a line", key="groups_text", height=110,
                            placeholder="Wires: Reuters, AP\nCable: CNN (Web News), Fox Online News")
        opts["groups"], problems = parse_grouping(text or "")
        for p in problems:
            sb.error(f"Custom groups, {p}")
        missing = unknown_outlets(c.documents, opts["groups"])
        if missing:
            sb.warning("No documents from: " + ", ".join(missing))
    all_sources = top_sources(c.documents, None)
    if group == "source":
        opts["top"] = sb.number_input("Most prolific outlets shown", 1, max(len(all_sources), 1),
                                      min(20, max(len(all_sources), 1)), key="top", bind="query-params")
    sources = sb.multiselect("Sources (empty = all)", all_sources, key="sources", bind="query-params",
                             help="Sorted by number of documents. Picking sources overrides 'most prolific'.")
    date_from, date_to = pick_dates(c)
    min_conf = sb.slider("Min document confidence", 0.0, 1.0, 0.0, 0.05, key="min_conf", bind="query-params",
                         help="Leave out document labels whose confidence is below this. Confidence here: "
                         + c.run.get("document_confidence", "bootstrap agreement over the document's sentences") + ".")
    opts["min_docs"] = int(sb.number_input("'Few documents' below", 1, 100, MIN_DOCS_DEFAULT, key="min_docs",
                                           bind="query-params", help="Cells resting on fewer documents are hatched."))
    query = sb.text_input("Search titles and text", key="q", bind="query-params",
                          help='Every word must occur (any case); "quoted phrase" for exact phrases.')
    filters = Filters(targets=tuple(targets), sources=tuple(sources), date_from=date_from, date_to=date_to,
                      min_confidence=float(min_conf), query=query or "")
    return filters, opts


def pick_dates(c: Corpus) -> tuple[date | None, date | None]:
    """Draw the date window when corpus ``c`` has dates; return it, or ``(None, None)`` for the full range."""
    bounds = date_bounds(c.documents)
    if bounds is None:
        return None, None
    picked = st.sidebar.date_input("Date range", value=bounds, min_value=bounds[0], max_value=bounds[1], key="dates",
                                   bind="query-params", help="Undated documents are left out while a narrower range is set.")
    if not isinstance(picked, tuple | list) or len(picked) != 2:
        return None, None
    start, end = picked
    return (None, None) if (start, end) == bounds else (start, end)
