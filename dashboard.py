"""Comparative stance dashboard: ``streamlit run dashboard.py``.

Opens on committed results (``results/<corpus>/``, folder overridable with
``DASHBOARD_RESULTS_DIR``) without loading a model; the NLI model loads only when someone
scores uploaded or pasted text. This file only draws: tables come from
:mod:`app.views`, figures from :mod:`app.figures`, uploads go through
:mod:`app.uploads` and human labels through :mod:`stance.documents.overrides`. The current view
(corpus, targets, sources, compared sources, tab, ...) lives in the URL query string, so
a copied link reopens it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from app import figures, views
from stance.documents.overrides import (
    OverrideError,
    apply_overrides,
    load_overrides,
    overrides_path,
    remove_override,
    set_override,
)
from stance.io.export import FORMATS, read_results, tables_to_bytes
from stance.settings import DOC_LABELS, AggregateSettings, load_settings
from stance.text.targets import build_matchers

ROOT = Path(__file__).resolve().parent
TABS = ["Matrix", "Documents", "Compare", "Time", "Drill-down", "Add documents", "Export"]
MIME = {"csv": "text/csv", "json": "application/json", "parquet": "application/octet-stream",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
CUSTOM = "custom grouping"
#: Widget keys that depend on the corpus; cleared when the corpus changes.
CORPUS_KEYS = ("targets", "sources", "group", "groups_text", "dates", "compare", "compare_docs", "cmp_target", "cmp_dates", "doc",
               "q", "dd_target", "ov_target")
UPLOAD_KEYS = ("files", "up_source", "paste_text", "paste_source", "paste_title", "paste_date")
CSS = """<style>
mark.mention{background:#ffe08a;padding:0 2px;border-radius:2px}
.excerpt{font-size:0.95rem;line-height:1.45}
.doctext{font-size:0.95rem;line-height:1.6}
.basis{color:#555;font-size:0.85rem}
</style>"""


def results_dir() -> Path:
    """Return the folder holding one results folder per corpus."""
    return Path(os.environ.get("DASHBOARD_RESULTS_DIR", ROOT / "results"))


# ------------------------------------------------------------------ cached loaders


def _stamp(path: Path) -> float:
    return max((p.stat().st_mtime for p in path.iterdir() if p.is_file() and p.name != "overrides.csv"), default=0.0)


@st.cache_resource(show_spinner="Reading results…", max_entries=4)
def load_corpus_tables(folder: str, stamp: float):
    """Read a results folder once per change (shared read-only by every session; never mutated)."""
    results = read_results(folder)
    results.documents = views.prepare_documents(results.documents)
    return results


@st.cache_data(show_spinner=False, max_entries=16)
def load_human_labels(folder: str, stamp: float) -> pd.DataFrame:
    """Read ``overrides.csv`` of a results folder (keyed by its modification time)."""
    return load_overrides(folder)


@st.cache_resource(show_spinner=False)
def mention_matchers(targets: tuple[str, ...]) -> list:
    """Compile the alias matchers used to highlight target mentions."""
    return list(build_matchers(load_settings().with_targets(list(targets)).targets).values())


@st.cache_resource(show_spinner="Loading the stance model (first upload only)…")
def shared_scorer():
    """Return one :class:`~stance.engines.local.Scorer` (model loaded on first use) and its lock."""
    from stance.scoring.scorer import Scorer

    return Scorer(load_settings()), threading.Lock()


def settings_of(agg: tuple) -> AggregateSettings:
    """Rebuild aggregation settings from :attr:`Corpus.agg_key`."""
    return AggregateSettings(**dict(agg))


@st.cache_data(show_spinner=False, max_entries=64)
def grouped(_docs: pd.DataFrame, token: str, by: tuple[str, ...], agg: tuple) -> pd.DataFrame:
    """Group × target stance of ``_docs`` (``token`` identifies them) via :func:`views.group_stance`."""
    return views.group_stance(_docs, list(by), settings_of(agg))


@st.cache_data(show_spinner=False, max_entries=32)
def time_table(_docs: pd.DataFrame, token: str, group: str, freq: str, agg: tuple, min_docs: int) -> pd.DataFrame:
    """Per-period stance table of ``_docs`` via :func:`views.time_series`."""
    return views.time_series(_docs, group, freq, settings_of(agg), min_docs)


@st.cache_data(show_spinner=False, max_entries=64)
def panels(_docs: pd.DataFrame, token: str, target: str, keys: tuple[str, ...], column: str, agg: tuple,
           k: int) -> list[views.Panel]:
    """Side-by-side panels (stance + strongest excerpts) via :func:`views.compare_panels`."""
    return views.compare_panels(_docs, target, list(keys), column, settings_of(agg), k)


@st.cache_resource(show_spinner=False, max_entries=8)
def search_haystack(_docs: pd.DataFrame, _texts: pd.DataFrame, token: str) -> pd.Series:
    """Lower-cased title + text per document, built once per corpus state."""
    return views.search_index(_docs, _texts)


def token_of(*parts: object) -> str:
    """Return a short hash naming a state (corpus, uploads, overrides, filters) for the caches."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


# ------------------------------------------------------------------ state


class Corpus:
    """The current corpus: merged tables (committed + uploads), human labels applied."""

    def __init__(self, name: str):
        from app.uploads import merge_results

        self.name = name
        self.folder = results_dir() / name
        base = load_corpus_tables(str(self.folder), _stamp(self.folder))
        upload = st.session_state.setdefault("uploads", {}).get(name)
        merged = merge_results(base, upload)
        self.run = base.run
        self.agg = views.aggregate_settings(base.run)
        ov_file = overrides_path(self.folder)
        self.overrides = load_human_labels(str(self.folder), ov_file.stat().st_mtime if ov_file.is_file() else 0.0)
        self.token = token_of(name, _stamp(self.folder), st.session_state.get("upload_token", 0), len(self.overrides),
                              self.overrides.to_json() if len(self.overrides) else "")
        self.documents = views.prepare_documents(
            apply_overrides(merged.documents, self.overrides, self.agg.neutral_threshold))
        self.sentences, self.texts, self.removed = merged.sentences, merged.texts, merged.removed
        self.targets = views.corpus_targets(self.documents, self.run)

    @property
    def agg_key(self) -> tuple:
        """The aggregation settings as a hashable tuple (for cache keys); ``settings_of`` turns it back."""
        return tuple(sorted(asdict(self.agg).items()))


def seed_from_url(key: str, options: list[str], many: bool = False) -> None:
    """Start a widget from the URL when it has no state yet (for widgets whose URL value is an id, not a label)."""
    if key in st.session_state or key not in st.query_params:
        return
    valid = [v for v in st.query_params.get_all(key) if v in set(options)]
    if valid:
        st.session_state[key] = valid[:3] if many else valid[0]


def keep_valid(key: str, options: list) -> None:
    """Forget a widget's remembered value when filters removed it from the options."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def write_to_url(key: str, value: str | list[str] | None) -> None:
    """Keep an id-valued widget in the URL (removed when empty)."""
    if value:
        st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]


def on_corpus_change() -> None:
    """Forget selections that belong to the previous corpus."""
    for key in CORPUS_KEYS:
        st.session_state.pop(key, None)


# ------------------------------------------------------------------ small drawing helpers


def download_row(name: str, tables: Callable[[], dict[str, pd.DataFrame]], key: str, n_rows: int) -> None:
    """Draw one download button per format; files are built only when clicked."""
    cols = st.columns([2, 1, 1, 1, 1], vertical_alignment="center")
    cols[0].markdown(f"<span class='basis'>Download <b>{name}</b> ({n_rows:,} rows, current filters)</span>",
                     unsafe_allow_html=True)
    for col, fmt in zip(cols[1:], FORMATS):
        col.download_button(fmt.upper(), data=_serialiser(tables, fmt), file_name=f"{key}.{fmt}", mime=MIME[fmt],
                            key=f"dl_{key}_{fmt}", on_click="ignore", width="stretch")


def _serialiser(tables: Callable[[], dict[str, pd.DataFrame]], fmt: str) -> Callable[[], bytes]:
    return lambda: tables_to_bytes(tables(), fmt)


def panel_html(panel: views.Panel, matchers: list) -> str:
    """Return one side-by-side column: badge, basis, interval and the strongest excerpts."""
    basis = (f"{panel.n_documents} of {panel.n_documents_total} documents mention it · {panel.n_sentences} sentences"
             + (f" · confidence {panel.confidence:.2f} · 95% interval {panel.ci_low:+.2f} … {panel.ci_high:+.2f}"
                if panel.n_documents else ""))
    human = f" · ✎ {panel.n_human} human label(s)" if panel.n_human else ""
    body = "".join(views.excerpt_html(it, matchers) for it in panel.excerpts) or "<i>No evidence sentences.</i>"
    return (f"<div>{views.badge_html(panel.label, panel.score if panel.n_documents else None)}</div>"
            f"<div class='basis'>{views.html.escape(basis)}{human}</div>{body}")


def flash(kind: str, message: str) -> None:
    """Keep a message for the next run (used before ``st.rerun()``)."""
    st.session_state.setdefault("flash", []).append((kind, message))


def show_flash() -> None:
    """Show (once) the messages kept by :func:`flash`."""
    for kind, message in st.session_state.pop("flash", []):
        getattr(st, kind)(message)


def show_html(body: str) -> None:
    """Render our own (already escaped) HTML."""
    st.html(body)


# ------------------------------------------------------------------ sidebar


def sidebar_corpus(names: list[str]) -> str:
    """Corpus switcher."""
    default = views.default_corpus(names)
    return st.sidebar.selectbox("Corpus", names, index=names.index(default), key="corpus", bind="query-params",
                                on_change=on_corpus_change, help="Folders under results/ that hold a documents table.")


def sidebar_filters(c: Corpus) -> tuple[views.Filters, dict]:
    """Draw the filters; return them and the grouping choices."""
    sb = st.sidebar
    targets = sb.multiselect("Targets", c.targets, default=c.targets, key="targets", bind="query-params")
    group_opts = views.metadata_columns(c.documents) + [CUSTOM]
    group = sb.selectbox("Rows: group documents by", group_opts, key="group", bind="query-params",
                         help="source = one row per outlet; rating/topic = metadata columns; custom = your own groups.")
    opts = {"group": group, "groups": {}, "top": 20}
    if group == CUSTOM:
        text = sb.text_area("Custom groups, one a line", key="groups_text", height=110,
                            placeholder="Wires: Reuters, AP\nCable: CNN (Web News), Fox Online News")
        opts["groups"], problems = views.parse_grouping(text or "")
        for p in problems:
            sb.error(f"Custom groups, {p}")
        missing = views.unknown_outlets(c.documents, opts["groups"])
        if missing:
            sb.warning("No documents from: " + ", ".join(missing))
    all_sources = views.top_sources(c.documents, None)
    if group == "source":
        opts["top"] = sb.number_input("Most prolific outlets shown", 1, max(len(all_sources), 1),
                                      min(20, max(len(all_sources), 1)), key="top", bind="query-params")
    sources = sb.multiselect("Sources (empty = all)", all_sources, key="sources", bind="query-params",
                             help="Sorted by number of documents. Picking sources overrides 'most prolific'.")
    date_from, date_to = sidebar_dates(c)
    min_conf = sb.slider("Min document confidence", 0.0, 1.0, 0.0, 0.05, key="min_conf", bind="query-params",
                         help="Leave out document labels whose confidence is below this. Confidence here: "
                         + c.run.get("document_confidence", "bootstrap agreement over the document's sentences") + ".")
    opts["min_docs"] = int(sb.number_input("'Few documents' below", 1, 100, views.MIN_DOCS_DEFAULT, key="min_docs",
                                           bind="query-params", help="Cells resting on fewer documents are hatched."))
    query = sb.text_input("Search titles and text", key="q", bind="query-params",
                          help='Every word must occur (any case); "quoted phrase" for exact phrases.')
    filters = views.Filters(targets=tuple(targets), sources=tuple(sources), date_from=date_from, date_to=date_to,
                            min_confidence=float(min_conf), query=query or "")
    return filters, opts


def sidebar_dates(c: Corpus) -> tuple[date | None, date | None]:
    """Date window when the corpus has dates; returns (None, None) for the full range."""
    bounds = views.date_bounds(c.documents)
    if bounds is None:
        return None, None
    picked = st.sidebar.date_input("Date range", value=bounds, min_value=bounds[0], max_value=bounds[1], key="dates",
                                   bind="query-params", help="Undated documents are left out while a narrower range is set.")
    if not isinstance(picked, tuple | list) or len(picked) != 2:
        return None, None
    start, end = picked
    return (None, None) if (start, end) == bounds else (start, end)


# ------------------------------------------------------------------ views


def rows_for(c: Corpus, docs: pd.DataFrame, filters: views.Filters, opts: dict) -> tuple[pd.DataFrame, str]:
    """Return the documents behind the matrix rows and the row column."""
    group = opts["group"]
    if group == CUSTOM:
        return views.apply_grouping(docs, opts["groups"]), "group"
    if group == "source" and not filters.sources:
        keep = views.top_sources(docs, int(opts["top"]))
        return docs[docs["source"].isin(keep)], "source"
    return docs, group


def matrix_tab(c: Corpus, docs: pd.DataFrame, filters: views.Filters, opts: dict) -> pd.DataFrame:
    """Group × target heatmap, its rule, the evidence of one cell and the table."""
    rows_docs, row = rows_for(c, docs, filters, opts)
    if rows_docs.empty:
        st.info("No documents match the filters (or the custom groups name no outlet in this corpus).")
        return views.matrix_cells(pd.DataFrame(), row)
    token = token_of(c.token, filters, opts["group"], opts.get("top"), str(opts["groups"]))
    table = grouped(rows_docs, token, (row,), c.agg_key)
    cells = views.matrix_cells(table, row, opts["min_docs"])
    order = st.radio("Order rows by", ["documents", "score", "name"], horizontal=True, key="order")
    rows = views.order_rows(cells, order)
    targets = [t for t in c.targets if t in set(cells["target"])]
    title = f"{row} × target — {rows_docs['doc_id'].nunique():,} documents"
    st.plotly_chart(figures.matrix_figure(cells, rows, targets, title), key="matrix_chart", on_select=on_cell_click,
                    selection_mode="points", config={"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
    st.caption(f"Colour = mean document score (favor − against) of the documents that mention the target: blue favor, "
               f"red against, near-white neutral; the colour bar's range fits the scores shown (document scores "
               f"are shrunk toward 0 when they rest on few sentences, so source means are small). "
               f"Grey hatched = **not mentioned** (no document names it — not neutral). "
               f"Dotted, dimmed cells rest on **few documents** (fewer than {opts['min_docs']}; change the rule in the "
               f"sidebar) — read them with care. ✎n = n human labels. Hover a cell for confidence, 95% interval and "
               f"label counts; **click a cell** for its evidence below.")
    evidence_for_cell(rows_docs, token, row, rows, targets, c)
    with st.expander("Matrix table", expanded=False):
        wide = views.wide_matrix(cells, targets).rename(columns={"row": row})
        st.dataframe(wide, hide_index=True, width="stretch")
        numbers = cells.drop(columns=["text", "hover"]).rename(columns={"row": row})
        download_row("matrix", lambda: {"matrix": numbers}, "matrix", len(numbers))
    with st.expander("All sources: documents, dates, rating"):
        counts = views.source_counts(docs)
        st.dataframe(counts, hide_index=True, width="stretch",
                     column_config={"first": st.column_config.DateColumn(), "last": st.column_config.DateColumn()})
        download_row("sources", lambda: {"sources": counts}, "sources", len(counts))
    return cells


def clicked_cell(chart_key: str) -> list | None:
    """Return ``[row, target, ...]`` of the cell clicked in a matrix chart, if any."""
    state = st.session_state.get(chart_key)
    points = (state or {}).get("selection", {}).get("points", []) if state else []
    data = points[0].get("customdata") if points else None
    return data if data and len(data) >= 2 else None


def on_cell_click() -> None:
    """Show the clicked matrix cell in the evidence pickers."""
    cell = clicked_cell("matrix_chart")
    if cell:
        st.session_state["cell_row"], st.session_state["cell_target"] = str(cell[0]), str(cell[1])


def on_document_click() -> None:
    """Open the clicked document of the document matrix in the drill-down tab."""
    cell = clicked_cell("doc_chart")
    if cell:
        doc_id = str(cell[0]).rsplit("[", 1)[-1].rstrip("]")
        st.session_state["doc"], st.session_state["dd_target"], st.session_state["tab"] = doc_id, str(cell[1]), "Drill-down"


def evidence_for_cell(docs: pd.DataFrame, token: str, row: str, rows: list[str], targets: list[str], c: Corpus) -> None:
    """The evidence behind one matrix cell, one click away."""
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


def documents_tab(c: Corpus, docs: pd.DataFrame, filters: views.Filters) -> None:
    """Document × target heatmap for a page of documents, and the filterable document table."""
    n_docs = docs["doc_id"].nunique()
    labels = st.multiselect("Labels", list(DOC_LABELS), default=list(DOC_LABELS), key="doc_labels")
    shown = docs[docs["label"].isin(labels)]
    ids = shown.sort_values(["day", "doc_id"], ascending=[False, True])["doc_id"].drop_duplicates().tolist()
    limit = st.slider("Documents in the heatmap", 5, max(5, min(200, len(ids))), min(30, max(5, len(ids))), key="doc_rows") \
        if len(ids) > 5 else len(ids)
    cells = views.document_cells(docs[docs["doc_id"].isin(ids[:limit])])
    if not cells.empty:
        rows = list(dict.fromkeys(cells.set_index("doc_id").loc[ids[:limit], "row"]))
        first = docs.drop_duplicates("doc_id").set_index("doc_id")
        labels = [views.doc_axis_label({**first.loc[d].to_dict(), "doc_id": d}) for d in ids[:limit]]
        targets = [t for t in c.targets if t in set(cells["target"])]
        title = f"document × target — newest {limit} of {n_docs:,}"
        st.plotly_chart(figures.matrix_figure(cells, rows, targets, title, labels),
                        key="doc_chart", on_select=on_document_click, selection_mode="points",
                        config={"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
        st.caption("Each cell: the document's label, its score and the number of sentences naming the target; hover for "
                   "confidence and the strongest evidence; **click a cell** to open the document in Drill-down.")
    table = shown.assign(strongest=[(views.strongest_evidence(r, 1) or [{"text": ""}])[0]["text"]
                                    for r in shown.to_dict("records")])
    cols = [c_ for c_ in ["doc_id", "source", "title", "date", "rating", "topic", "target", "label", "label_source", "score",
                          "confidence", "n_sentences", "n_attributed", "strongest", "override_note"] if c_ in table]
    st.dataframe(table[cols], hide_index=True, width="stretch", height=360,
                 column_config={"score": st.column_config.NumberColumn(format="%+.2f"),
                                "confidence": st.column_config.ProgressColumn(min_value=0, max_value=1, format="%.2f")})
    download_row("documents", lambda: {"documents": table.drop(columns=["day"], errors="ignore")}, "documents", len(table))


def compare_tab(c: Corpus, docs: pd.DataFrame, filters: views.Filters) -> None:
    """Side by side: 2–3 sources (or documents) toward one target, strongest evidence first."""
    a, b = st.columns([1, 2])
    by = a.radio("Compare", ["sources", "documents"], horizontal=True, key="cmp_by", bind="query-params")
    target = b.selectbox("Target", c.targets, key="cmp_target", bind="query-params")
    window = compare_window(c, docs)
    if window is not None:
        docs = docs[(docs["day"] >= pd.Timestamp(window[0])) & (docs["day"] <= pd.Timestamp(window[1]))]
    if by == "sources":
        picked = st.multiselect("Pick 2–3 sources", views.top_sources(docs, None), key="compare", bind="query-params",
                                max_selections=3, help="Sorted by number of documents.")
    else:
        first = docs.drop_duplicates("doc_id")
        labels = {r["doc_id"]: views.doc_label(r) for r in first.to_dict("records")}
        seed_from_url("compare_docs", list(labels), many=True)
        picked = st.multiselect("Pick 2–3 documents", list(labels), key="compare_docs", max_selections=3,
                                format_func=lambda d: labels.get(d, d))
        write_to_url("compare_docs", picked)
    if not picked:
        st.info(f"Pick two or three {by} to see their stance toward {target} side by side, with the evidence.")
        return
    token = token_of(c.token, filters, window)
    shown = panels(docs, token, target, tuple(picked), "source" if by == "sources" else "doc_id", c.agg_key, 6)
    for col, panel in zip(st.columns(len(shown), border=True), shown):
        with col:
            st.markdown(f"**{views.html.escape(panel.title)}**")
            show_html(panel_html(panel, mention_matchers((target,))))


def compare_window(c: Corpus, docs: pd.DataFrame) -> tuple[date, date] | None:
    """Optional date window for the comparison (within the sidebar's)."""
    bounds = views.date_bounds(docs)
    if bounds is None or bounds[0] == bounds[1]:
        return None
    picked = st.date_input("Date window for this comparison", value=bounds, min_value=bounds[0], max_value=bounds[1],
                           key="cmp_dates")
    if not isinstance(picked, tuple | list) or len(picked) != 2 or tuple(picked) == bounds:
        return None
    return picked[0], picked[1]


def time_tab(c: Corpus, docs: pd.DataFrame, filters: views.Filters, opts: dict) -> None:
    """Stance per target per group by month or quarter, with document counts."""
    if docs["day"].notna().sum() == 0:
        st.info("This corpus has no dated documents, so there is no time view.")
        return
    freq = st.radio("Period", ["quarter", "month"], horizontal=True, key="freq", bind="query-params")
    rows_docs, row = rows_for(c, docs, filters, {**opts, "top": min(int(opts.get("top", 6)), 6)})
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


def drilldown_tab(c: Corpus, docs: pd.DataFrame) -> None:
    """One document: badges, cleaned text with scored sentences marked, sentence scores, removed lines, override."""
    first = docs.sort_values(["day", "doc_id"], ascending=[False, True]).drop_duplicates("doc_id")
    if first.empty:
        st.info("No documents match the filters.")
        return
    labels = {r["doc_id"]: views.doc_label(r, 90) for r in first.to_dict("records")}
    keep_valid("doc", list(labels))
    seed_from_url("doc", list(labels))
    doc_id = st.selectbox("Document", list(labels), format_func=lambda d: labels.get(d, d), key="doc")
    write_to_url("doc", doc_id)
    rows = c.documents[c.documents["doc_id"] == doc_id]
    if rows.empty:
        return
    meta = rows.iloc[0]
    extra = " · ".join(f"{k}: {meta[k]}" for k in ("rating", "topic") if k in meta and str(meta[k] or "").strip())
    st.markdown(f"**{views.html.escape(str(meta['title'] or '(untitled)'))}** — {views.html.escape(str(meta['source']))} · "
                f"{meta['date'] or 'undated'} · `{doc_id}`" + (f" · {extra}" if extra else ""))
    if str(meta.get("url") or "").startswith("http"):
        st.markdown(f"[original article]({meta['url']})")
    badges = " ".join(f"<b>{views.html.escape(r['target'])}</b> "
                      f"{views.badge_html(r['label'], r['score'], r['label_source'] == 'human')}"
                      f"<span class='basis'> conf {r['confidence']:.2f}, {int(r['n_sentences'])} sent.</span>&emsp;"
                      for r in rows.to_dict("records"))
    show_html(f"<div>{badges}</div>")
    clean, sentences = views.text_sentences(c.texts, doc_id)
    sent_table = views.document_sentences(c.sentences, doc_id)
    mentioned = [t for t in c.targets if t in set(sent_table["target"])] or c.targets
    keep_valid("dd_target", mentioned)
    target = st.radio("Colour sentences by their score toward", mentioned, horizontal=True, key="dd_target")
    mine = sent_table[sent_table["target"] == target]
    scores = dict(zip(mine["sent_idx"].astype(int), mine["score"].astype(float)))
    other = set(sent_table["sent_idx"].astype(int)) - set(scores)
    with st.container(height=420, border=True):
        marked = views.marked_text_html(clean, sentences, scores, mention_matchers((target,)), other)
        show_html(f"<div class='doctext'>{marked}</div>")
    st.caption("Highlighted: sentences scored toward the chosen target (blue favor, red against, stronger = more "
               "certain; hover for the score); dotted underline: scored toward another target; yellow: target mentions.")
    st.markdown("**Sentence scores**")
    st.dataframe(sent_table, hide_index=True, width="stretch", height=260,
                 column_config={
                     "score": st.column_config.NumberColumn(
                         format="%+.3f", help="What the document label rests on: the model's score, taken relative to "
                                              "the other targets the same sentence names (equal to raw_score when it "
                                              "names one)"),
                     "raw_score": st.column_config.NumberColumn(format="%+.3f", help="p_favor − p_against from the model"),
                     "weight": st.column_config.NumberColumn(
                         format="%.3f", help="How much the sentence counts in the document score: quote and headline "
                                             "weights × (1 − p_neutral) ^ strength_weight (settings, [aggregate])")})
    download_row("sentences", lambda: {"sentences": sent_table}, f"sentences_{doc_id}", len(sent_table))
    removed = views.document_removed(c.removed, doc_id)
    with st.expander(f"What cleaning removed ({len(removed)} lines)"):
        st.dataframe(removed, hide_index=True, width="stretch")
        download_row("removed lines", lambda: {"removed": removed}, f"removed_{doc_id}", len(removed))
    override_form(c, doc_id, rows)


def override_form(c: Corpus, doc_id: str, rows: pd.DataFrame) -> None:
    """Correct the label of this document toward one target; saved to overrides.csv beside the results."""
    st.markdown("**Correct a label** — saved to `overrides.csv` beside the results, marked ✎ human everywhere.")
    show_flash()
    with st.form("override", clear_on_submit=True, border=True):
        a, b = st.columns(2)
        target = a.selectbox("Target", list(rows["target"]), key="ov_target")
        label = b.selectbox("Human label", list(DOC_LABELS), key="ov_label")
        note = st.text_input("Note (why)", key="ov_note")
        save, drop = st.columns(2)
        saved = save.form_submit_button("Save human label", type="primary")
        removed = drop.form_submit_button("Remove human label")
    if saved or removed:
        try:
            if saved:
                set_override(c.folder, doc_id, target, label, note or "")
                flash("success", f"Saved: {doc_id} × {target} = {label} (✎ human). Every view and export now uses it.")
            else:
                remove_override(c.folder, doc_id, target)
                flash("success", f"Removed the human label of {doc_id} × {target}.")
        except (OverrideError, OSError) as exc:
            st.error(f"Could not save the label: {exc}")
        else:
            load_human_labels.clear()
            st.rerun()


def upload_tab(c: Corpus) -> None:
    """Upload files or paste text; validate, score with a progress bar, and keep them in this session."""
    from app.uploads import UPLOAD_TYPES

    st.markdown("Add documents to this corpus for this session. They are scored with the same model and targets, then "
                "appear in every view (and in exports). Files: `.txt`/`.md` (one document each) or `.csv`/`.jsonl` "
                "with a `text` column (and optional `id, source, title, date`).")
    if st.session_state.pop("upload_done", False):  # empty the form after a successful add (kept after an error)
        for key in UPLOAD_KEYS:
            st.session_state.pop(key, None)
    with st.form("upload", clear_on_submit=False, border=True):
        files = st.file_uploader("Files", type=list(UPLOAD_TYPES), accept_multiple_files=True, key="files")
        source = st.text_input("Source name for .txt/.md files (and table rows without one)", key="up_source")
        st.markdown("…or paste a text:")
        pasted = st.text_area("Text", key="paste_text", height=140)
        a, b, d = st.columns(3)
        paste_source = a.text_input("Its source", key="paste_source")
        paste_title = b.text_input("Its title", key="paste_title")
        paste_date = d.text_input("Its date (YYYY-MM-DD)", key="paste_date")
        go = st.form_submit_button("Score and add", type="primary")
    show_flash()
    if go:
        add_documents(c, files or [], source or "", pasted or "", paste_source or "", paste_title or "", paste_date or "")
    up = st.session_state.get("uploads", {}).get(c.name)
    if up is not None and len(up.documents):
        first = up.documents.drop_duplicates("doc_id")
        st.markdown(f"**Added in this session:** {len(first)} document(s)")
        st.dataframe(first[["doc_id", "source", "title"]], hide_index=True, width="stretch")
        if st.button("Remove the added documents", key="clear_uploads"):
            st.session_state["uploads"].pop(c.name, None)
            st.session_state["upload_token"] = st.session_state.get("upload_token", 0) + 1
            st.rerun()


def add_documents(c: Corpus, files: list, source: str, pasted: str, paste_source: str, paste_title: str,
                  paste_date: str) -> None:
    """Validate every file and the pasted text; on success score and merge them, else show each problem."""
    from app.uploads import UploadError, check_new_ids, merge_results, pasted_document, read_upload
    from stance.io.corpus import Corpus as DocCorpus

    docs, warnings, problems = [], [], []
    for f in files:
        try:
            corpus = read_upload(f.name, f.getvalue(), source)
            docs.extend(corpus.documents)
            warnings.extend(corpus.warnings)
        except UploadError as exc:
            problems.extend(exc.problems)
    if pasted.strip() or paste_source.strip():
        try:
            docs.append(pasted_document(pasted, paste_source, paste_title, date=paste_date))
        except UploadError as exc:
            problems.extend(exc.problems)
    new = DocCorpus(docs, warnings, name="upload")
    if not problems:
        try:
            check_new_ids(new, list(c.documents["doc_id"].unique()))
        except UploadError as exc:
            problems.extend(exc.problems)
    if not docs and not problems:
        problems.append("nothing to add: choose a file or paste a text")
    if problems:
        st.error("Nothing was added — fix these and try again:\n\n" + "\n".join(f"- {p}" for p in problems))
        return
    for w in warnings:
        st.warning(w)
    results = score_new(new, c)
    if results is None:
        return
    uploads = st.session_state.setdefault("uploads", {})
    uploads[c.name] = merge_results(uploads[c.name], results) if c.name in uploads else results
    st.session_state["upload_token"] = st.session_state.get("upload_token", 0) + 1
    flash("success", f"Added {len(docs)} document(s): " + ", ".join(d.id for d in docs) + " — now in every view.")
    st.session_state["upload_done"] = True
    st.rerun()


def score_new(new, c: Corpus):
    """Score uploaded documents with a progress bar; returns Results or None after showing the error."""
    from app.uploads import score_documents

    bar = st.progress(0.0, text="Loading the model…")
    try:
        scorer, lock = shared_scorer()
        with lock:
            results = score_documents(new, load_settings(), c.targets, scorer, callback=lambda done, total: bar.progress(
                done / total, text=f"Scoring {done}/{total} sentence × target pairs"))
    except Exception as exc:  # model missing, not an NLI model, out of memory: tell the user, keep the session
        bar.empty()
        st.error(f"Could not score the documents: {exc}")
        return None
    bar.progress(1.0, text="Scored.")
    return results


def export_tab(c: Corpus, tables: dict[str, pd.DataFrame], filters: views.Filters) -> None:
    """Download the matrix, document and sentence tables as CSV, XLSX, JSON or Parquet."""
    st.markdown("Every download reflects the current filters and includes human labels (`label_source = human`).")
    st.caption(f"Filters: targets {', '.join(filters.targets) or 'all'} · sources {', '.join(filters.sources) or 'all'} · "
               f"dates {filters.date_from or 'any'} – {filters.date_to or 'any'} · min confidence {filters.min_confidence:.2f}"
               f" · search {filters.query or '—'}")
    for name, df in tables.items():
        download_row(name, lambda name=name, df=df: {name: df}, name, len(df))
    workbook = st.columns([2, 4])
    workbook[0].download_button("All three as one XLSX workbook", data=lambda: tables_to_bytes(tables, "xlsx"),
                                file_name=f"stance_{c.name}.xlsx", mime=MIME["xlsx"], key="dl_all_xlsx", on_click="ignore")


# ------------------------------------------------------------------ page


def header(c: Corpus, docs: pd.DataFrame) -> None:
    """Title line with the corpus basis and the model that produced it."""
    n_all, n_shown = c.documents["doc_id"].nunique(), docs["doc_id"].nunique()
    n_src = c.documents["source"].nunique()
    uploads = int((c.documents.get("origin", pd.Series(dtype=str)) == "upload").sum() // max(len(c.targets), 1))
    human = int((c.documents["label_source"] == "human").sum())
    st.markdown(f"### Stance toward {', '.join(c.targets)} — `{c.name}`")
    st.caption(f"{n_shown:,} of {n_all:,} documents shown · {n_src:,} sources · model {c.run.get('model', '?')}"
               + (f" · {uploads} added this session" if uploads else "") + (f" · {human} human label(s)" if human else ""))


def main() -> None:
    """Draw the app."""
    st.set_page_config(page_title="Stance dashboard", page_icon="⚖️", layout="wide")
    st.html(CSS)  # style-only: Streamlit adds it to the page without taking space
    names = views.available_corpora(results_dir())
    if not names:
        st.error(f"No results found under {results_dir()}: run `python -m stance label CORPUS --out results/NAME` first.")
        st.stop()
    st.sidebar.title("Stance dashboard")
    name = sidebar_corpus(names)
    c = Corpus(name)
    filters, opts = sidebar_filters(c)
    index = search_haystack(c.documents, c.texts, c.token) if filters.query.strip() else None
    docs = views.filter_documents(c.documents, filters, index)
    header(c, docs)
    tabs = st.tabs(TABS, key="tab", bind="query-params")
    cells = None
    with tabs[0]:
        if tabs[0].open:
            cells = matrix_tab(c, docs, filters, opts)
    with tabs[1]:
        if tabs[1].open:
            documents_tab(c, docs, filters)
    with tabs[2]:
        if tabs[2].open:
            compare_tab(c, docs, filters)
    with tabs[3]:
        if tabs[3].open:
            time_tab(c, docs, filters, opts)
    with tabs[4]:
        if tabs[4].open:
            drilldown_tab(c, docs)
    with tabs[5]:
        if tabs[5].open:
            upload_tab(c)
    with tabs[6]:
        if tabs[6].open:
            if cells is None:
                rows_docs, row = rows_for(c, docs, filters, opts)
                table = grouped(rows_docs, token_of(c.token, filters, opts["group"], opts.get("top"), str(opts["groups"])),
                                (row,), c.agg_key) if len(rows_docs) else pd.DataFrame()
                cells = views.matrix_cells(table, row, opts["min_docs"])
            tables = views.export_tables(cells, docs, c.sentences, rows_for(c, docs, filters, opts)[1])
            st.session_state["export_tables"] = tables
            export_tab(c, tables, filters)


main()
