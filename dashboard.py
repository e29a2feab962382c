"""Comparative stance dashboard: ``streamlit run dashboard.py``.

Opens on committed results (``results/<corpus>/``, folder overridable with
``DASHBOARD_RESULTS_DIR``) without loading a model; the NLI model loads only when someone
scores uploaded or pasted text. This file sets up the page, loads the chosen corpus, draws
the sidebar and hands each tab to its module under :mod:`app.pages`. Tables come from the
pure modules of :mod:`app` (:mod:`app.data`, :mod:`app.filters`, :mod:`app.grouping`,
:mod:`app.cells`, :mod:`app.timeline`, :mod:`app.evidence`, :mod:`app.tables`), HTML from
:mod:`app.markup`, figures from :mod:`app.figures`; uploads go through :mod:`app.uploads` and
human labels through :mod:`stance.documents.overrides`. The current view (corpus, targets,
sources, compared sources, tab, ...) lives in the URL query string, so a copied link
reopens it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import sidebar
from app.cache import search_haystack
from app.corpus import Corpus, View, results_dir
from app.data import available_corpora
from app.filters import filter_documents
from app.pages import add_documents, compare, documents, drilldown, export, matrix, time

#: Tab name → the module that draws it (the names are also the ``tab`` URL values).
PAGES = {"Matrix": matrix, "Documents": documents, "Compare": compare, "Time": time, "Drill-down": drilldown,
         "Add documents": add_documents, "Export": export}
TABS = list(PAGES)
CSS = """<style>
mark.mention{background:#ffe08a;padding:0 2px;border-radius:2px}
.excerpt{font-size:0.95rem;line-height:1.45}
.doctext{font-size:0.95rem;line-height:1.6}
.basis{color:#555;font-size:0.85rem}
</style>"""


def header(c: Corpus, docs: pd.DataFrame) -> None:
    """Draw the title line with the corpus basis and the model that produced it."""
    n_all, n_shown = c.documents["doc_id"].nunique(), docs["doc_id"].nunique()
    n_src = c.documents["source"].nunique()
    uploads = int((c.documents.get("origin", pd.Series(dtype=str)) == "upload").sum() // max(len(c.targets), 1))
    human = int((c.documents["label_source"] == "human").sum())
    st.markdown(f"### Stance toward {', '.join(c.targets)} — `{c.name}`")
    st.caption(f"{n_shown:,} of {n_all:,} documents shown · {n_src:,} sources · model {c.run.get('model', '?')}"
               + (f" · {uploads} added this session" if uploads else "") + (f" · {human} human label(s)" if human else ""))


def main() -> None:
    """Draw the app: page, sidebar, header, then the open tab."""
    st.set_page_config(page_title="Stance dashboard", page_icon="⚖️", layout="wide")
    st.html(CSS)  # style-only: Streamlit adds it to the page without taking space
    names = available_corpora(results_dir())
    if not names:
        st.error(f"No results found under {results_dir()}: run `python -m stance label CORPUS --out results/NAME` first.")
        st.stop()
    st.sidebar.title("Stance dashboard")
    c = Corpus(sidebar.pick_corpus(names))
    filters, opts = sidebar.pick_filters(c)
    index = search_haystack(c.documents, c.texts, c.token) if filters.query.strip() else None
    view = View(c, filter_documents(c.documents, filters, index), filters, opts)
    header(c, view.docs)
    for tab, page in zip(st.tabs(TABS, key="tab", bind="query-params"), PAGES.values()):
        with tab:
            if tab.open:
                page.render(view)


main()
