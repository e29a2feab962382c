"""Dashboard views (the pure modules of app/): corpora, filters, grouping, cells, time series, evidence, HTML, figures."""

from __future__ import annotations

import html
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from app import figures
from app.cells import document_cells, matrix_cells, order_rows, wide_matrix
from app.data import (
    aggregate_settings,
    available_corpora,
    corpus_targets,
    date_bounds,
    default_corpus,
    label_counts,
    metadata_columns,
    parse_dates,
    prepare_documents,
    source_counts,
    top_sources,
)
from app.evidence import compare_panels, evidence_items, strongest_evidence
from app.filters import Filters, filter_documents, search_documents, search_index
from app.grouping import CUSTOM, GROUP_COLUMNS, apply_grouping, group_stance, parse_grouping, row_documents, unknown_outlets
from app.labels import doc_axis_label, doc_label, fmt_score, plural, shorten
from app.markup import badge_html, excerpt_html, highlight_html, marked_text_html, panel_html
from app.palette import AGAINST_RGB, FAVOR_RGB, NEUTRAL_RGB, NOT_MENTIONED_RGB, score_css, score_rgb
from app.tables import document_removed, document_sentences, export_tables, text_sentences
from app.timeline import add_period, time_series
from stance.documents.overrides import apply_overrides
from stance.io.export import read_results
from stance.settings import REPO_DIR, AggregateSettings, load_settings
from stance.text.targets import build_matchers
from tests.app.dashboard_data import SCRIPT_DOC, multi_outlet_results, write_corpus

AGG = AggregateSettings()


@pytest.fixture(scope="module")
def res():
    r = multi_outlet_results()
    r.documents = prepare_documents(apply_overrides(r.documents, None))
    return r


@pytest.fixture(scope="module")
def docs(res):
    return res.documents


@pytest.fixture(scope="module")
def iran():
    return list(build_matchers(load_settings().with_targets(["Iran"]).targets).values())


# ---------------------------------------------------------------- corpora, dates, filters


def test_available_corpora_lists_folders_with_a_documents_table(tmp_path):
    write_corpus(tmp_path, "b")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "documents.csv").write_text("doc_id\n")
    (tmp_path / "empty").mkdir()
    assert available_corpora(tmp_path) == ["a", "b"]
    assert available_corpora(tmp_path / "missing") == []
    assert default_corpus(["a", "seeds"]) == "seeds" and default_corpus(["x"]) == "x"
    assert default_corpus([]) is None


def test_committed_seed_results_prepare_cleanly():
    r = read_results(REPO_DIR / "results" / "seeds")
    d = prepare_documents(r.documents)
    assert d["day"].isna().all() and date_bounds(d) is None
    assert corpus_targets(d, r.run) == ["Iran", "United States", "Israel"]
    assert aggregate_settings(r.run) == AggregateSettings(**r.run["aggregate"])


def test_runs_from_before_the_neutral_prior_read_as_plain_mean():
    old = {"aggregate": {"neutral_threshold": 0.35, "quote_weight": 1.0}}
    assert aggregate_settings(old).prior_sentences == 0.0
    assert aggregate_settings(old).contrast_weight == 0.0  # nor the contrast between targets
    assert aggregate_settings(old).strength_weight == 0.0  # nor the strength weight
    assert aggregate_settings({"aggregate": {"prior_sentences": 2.0}}).prior_sentences == 2.0
    assert aggregate_settings({}) == AggregateSettings()


def test_parse_dates_accepts_iso_and_rejects_malformed():
    out = parse_dates(pd.Series(["2019-03-04", "2019-03-04T10:00:00", "", None, "11/1", "2001"]))
    assert list(out.dt.strftime("%Y-%m-%d").fillna("NaT")) == ["2019-03-04", "2019-03-04", "NaT", "NaT", "NaT", "NaT"]


def test_filter_by_target_source_and_confidence(docs):
    top = top_sources(docs, 1)[0]
    f = Filters(targets=("Iran",), sources=(top,), min_confidence=0.9)
    out = filter_documents(docs, f)
    assert set(out["target"]) == {"Iran"} and set(out["source"]) == {top}
    assert (out["confidence"] >= 0.9).all()
    before = docs[(docs["target"] == "Iran") & (docs["source"] == top)]
    assert len(out) == (before["confidence"] >= 0.9).sum() < len(before)


def test_date_window_is_inclusive_and_drops_undated(docs):
    f = Filters(date_from=date(2016, 3, 1), date_to=date(2016, 6, 30))
    out = filter_documents(docs, f)
    assert out["day"].notna().all()
    assert out["day"].min() >= pd.Timestamp("2016-03-01") and out["day"].max() <= pd.Timestamp("2016-06-30")
    edge = docs[docs["day"] == docs["day"].min()]
    f2 = Filters(date_from=edge["day"].iloc[0].date(), date_to=edge["day"].iloc[0].date())
    assert set(filter_documents(docs, f2)["doc_id"]) == set(edge["doc_id"])
    assert date_bounds(docs)[0] == docs["day"].min().date()


def test_search_words_phrases_and_case(res, docs):
    index = search_index(docs, res.texts)
    assert search_documents(index, "SCRIPT") == ["xss-1"]
    assert search_documents(index, '"onerror=alert(2)" iran') == ["xss-1"]
    assert search_documents(index, "iran nosuchword") == []
    assert len(search_documents(index, "  ")) == docs["doc_id"].nunique()
    out = filter_documents(docs, Filters(query="script"), index)
    assert set(out["doc_id"]) == {"xss-1"}
    with pytest.raises(ValueError):
        filter_documents(docs, Filters(query="x"))


def test_top_sources_by_document_count(docs):
    counts = docs.drop_duplicates("doc_id")["source"].value_counts()
    top = top_sources(docs, 3)
    assert len(top) == 3 and counts[top[0]] == counts.max()
    assert [counts[s] for s in top] == sorted([counts[s] for s in top], reverse=True)
    assert len(top_sources(docs, None)) == docs["source"].nunique()
    sc = source_counts(docs)
    assert sc["documents"].sum() == docs["doc_id"].nunique() and "rating" in sc


def test_metadata_columns_offer_rating_and_topic(docs):
    cols = metadata_columns(docs)
    assert cols[0] == "source" and "rating" in cols and "topic" in cols and "doc_id" not in cols


# ---------------------------------------------------------------- grouping and matrices


def test_parse_grouping_and_problems():
    groups, problems = parse_grouping("Wires: Reuters, AP\n# comment\n\nCable: CNN, Fox, CNN\nno colon here\nEmpty:")
    assert groups == {"Wires": ["Reuters", "AP"], "Cable": ["CNN", "Fox"]}
    assert problems == ["line 5: write 'group name: outlet, outlet' (no colon found)", "line 6: group 'Empty' names no outlets"]


def test_apply_grouping_counts_outlets_in_every_group(docs):
    first, second = top_sources(docs, 2)
    groups = {"A": [first.lower(), second], "B": [second, "Nobody"]}
    g = apply_grouping(docs, groups)
    n2 = (docs["source"] == second).sum()
    assert (g["group"] == "B").sum() == n2 > 0
    assert (g["group"] == "A").sum() == n2 + (docs["source"] == first).sum()
    assert unknown_outlets(docs, groups) == ["Nobody"]
    assert apply_grouping(docs, {"X": ["none"]}).empty


def test_group_stance_counts_humans_and_handles_empty(docs):
    table = group_stance(docs, "rating", AGG)
    assert (table["n_human"] == 0).all()
    one = docs.index[(docs["rating"] == "left") & (docs["target"] == "Iran")][0]
    marked = docs.copy()
    marked.loc[one, "label_source"] = "human"
    t2 = group_stance(marked, "rating", AGG).set_index(["rating", "target"])
    assert t2.loc[("left", "Iran"), "n_human"] == 1 and t2["n_human"].sum() == 1
    empty = group_stance(docs.iloc[0:0], "source", AGG)
    assert empty.empty and list(empty.columns) == ["source", *GROUP_COLUMNS]


def test_matrix_cells_mark_few_documents_and_not_mentioned(docs):
    table = group_stance(docs, "source", AGG)
    table.loc[0, ["label", "n_documents", "score"]] = ["not_mentioned", 0, np.nan]
    cells = matrix_cells(table, "source", min_docs=5)
    states = dict(zip(zip(cells["row"], cells["target"]), cells["state"]))
    assert states[(table.loc[0, "source"], table.loc[0, "target"])] == "not_mentioned"
    few = cells[cells["state"] == "few"]
    assert (few["n_documents"] < 5).all() and few["text"].str.contains("few docs").all()
    ok = cells[cells["state"] == "ok"].iloc[0]
    assert f"{ok['n_documents']} docs" in ok["text"] and f"{ok['n_sentences']} sent." in ok["text"]
    assert "confidence" in ok["hover"] and "95% interval" in ok["hover"]
    assert "not mentioned" in cells.loc[cells["state"] == "not_mentioned", "text"].iloc[0]
    wide = wide_matrix(cells, ["Iran", "United States", "Israel"])
    assert list(wide.columns) == ["row", "Iran", "United States", "Israel"] and len(wide) == docs["source"].nunique()


def test_matrix_text_escapes_group_names(docs):
    cells = matrix_cells(group_stance(docs, "source", AGG), "source")
    evil = cells[cells["row"] == SCRIPT_DOC["source"]]
    assert not evil.empty and "<b>Outlet</b>" not in evil["hover"].iloc[0] and "&lt;b&gt;" in evil["hover"].iloc[0]


def test_order_rows(docs):
    cells = matrix_cells(group_stance(docs, "source", AGG), "source")
    by_docs = order_rows(cells, "documents")
    assert by_docs[0] == top_sources(docs, 1)[0]
    assert order_rows(cells, "name") == sorted(by_docs)
    assert set(order_rows(cells, "score")) == set(by_docs)


def test_doc_axis_label():
    row = {"doc_id": "d1", "title": "A very long title " * 4, "source": "Some Outlet", "date": "2020-01-02"}
    label = doc_axis_label(row)
    assert label.endswith("· Some Outlet · 2020-01-02") and "…" in label
    assert doc_axis_label({"doc_id": "d1", "title": "", "source": "S", "date": ""}) == "d1 · S"


def test_document_cells(docs):
    d = docs[docs["doc_id"].isin(["doc-00000", "xss-1"])]
    cells = document_cells(d)
    assert len(cells) == len(d)
    nm = cells[cells["label"] == "not_mentioned"]
    assert (nm["state"] == "not_mentioned").all()
    assert "<script>" not in "".join(cells["hover"]) and "<script>" not in "".join(cells["row"].map(html.escape))


# ---------------------------------------------------------------- time


@pytest.mark.parametrize("freq", ["month", "quarter"])
def test_time_series_counts_documents_per_period(docs, freq):
    series = time_series(docs, "rating", freq, AGG, min_docs=3)
    dated = add_period(docs, freq)
    expect = dated.groupby(["rating", "period", "target"])["doc_id"].nunique()
    got = series.set_index(["rating", "period", "target"])["n_documents_total"]
    pd.testing.assert_series_equal(got.sort_index(), expect.sort_index(), check_names=False)
    assert (series["few"] == (series["n_documents"] < 3)).all()
    assert series["period"].dt.day.eq(1).all()
    if freq == "quarter":
        assert series["period"].dt.month.isin([1, 4, 7, 10]).all()


def test_time_series_without_dates_is_empty(docs):
    out = time_series(docs.assign(day=pd.NaT), "rating", "month", AGG)
    assert out.empty and "few" in out.columns


# ---------------------------------------------------------------- evidence, compare, HTML


def test_evidence_items_strongest_first_and_malformed():
    row = {"evidence_favor": json.dumps([{"sent_idx": 1, "text": "a", "score": 0.2, "attributed": False}]),
           "evidence_against": json.dumps([{"sent_idx": 2, "text": "b", "score": -0.7, "attributed": True}])}
    items = evidence_items(row)
    assert [it["sent_idx"] for it in items] == [2, 1] and items[0]["side"] == "against"
    assert evidence_items({"evidence_favor": "not json", "evidence_against": None}) == []
    assert strongest_evidence(row, 1)[0]["text"] == "b"


def test_compare_panels_match_matrix_and_sort_excerpts(docs):
    sources = top_sources(docs, 2)
    panels = compare_panels(docs, "Iran", sources, "source", AGG, k=4)
    table = group_stance(docs[docs["source"].isin(sources)], "source", AGG).set_index(["source", "target"])
    for p in panels:
        ref = table.loc[(p.key, "Iran")]
        assert p.label == ref["label"] and p.n_documents == ref["n_documents"] and p.n_sentences == ref["n_sentences"]
        assert np.isclose(p.score, ref["score"]) and len(p.excerpts) <= 4
        strengths = [abs(e["score"]) for e in p.excerpts]
        assert strengths == sorted(strengths, reverse=True)
        assert all(docs.set_index("doc_id").loc[e["doc_id"], "source"].iloc[0] == p.key for e in p.excerpts)
    one = compare_panels(docs, "Iran", ["xss-1"], "doc_id", AGG)[0]
    assert one.title.endswith("[xss-1]") and one.excerpts


def test_compare_panel_of_absent_source_is_not_mentioned(docs):
    p = compare_panels(docs, "Iran", ["Nobody"], "source", AGG)[0]
    assert p.label == "not_mentioned" and p.n_documents == 0 and p.excerpts == []


def test_highlight_escapes_before_marking(iran):
    out = highlight_html("<script>alert('Iran')</script> Tehran & Iran-Contra", iran)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out
    assert out.count('<mark class="mention">') == 2  # Iran inside the tag text, Tehran; not Iran-Contra
    assert '<mark class="mention">Tehran</mark>' in out


def test_excerpt_and_badge_html_escape(iran):
    card = excerpt_html({"text": "<b>Iran</b>", "score": -0.5, "sent_idx": 3, "doc_id": "<x>", "title": "<t>",
                               "attributed": True}, iran)
    assert "<b>" not in card and "&lt;x&gt;" in card and "quoted" in card
    assert "relative to the other targets" not in card
    contrasted = excerpt_html({"text": "Israel struck Iran.", "score": -0.2, "raw_score": -0.7, "sent_idx": 0}, iran)
    assert "score −0.20 (model −0.70, taken relative to the other targets it names)" in contrasted.replace("-", "−")
    badge = badge_html("favor", 0.31, human=True)
    assert "favor +0.31" in badge and "human" in badge
    assert "not mentioned" in badge_html("not_mentioned")


def test_marked_text_keeps_paragraphs_and_marks_scores(iran):
    clean = "Iran said <no>.\n\nSecond paragraph about Iran. Third."
    sents = ["Iran said <no>.", "Second paragraph about Iran.", "Third."]
    out = marked_text_html(clean, sents, {1: 0.8}, iran, other=[0])
    assert "<br><br>" in out and "&lt;no&gt;" in out and "<no>" not in out
    assert 'data-sent="1"' in out and "score +0.80" in out and 'class="other" data-sent="0"' in out
    assert marked_text_html("abc", ["zzz"], {}, iran) == "abc"


def test_score_colours():
    assert score_rgb(1.0) == FAVOR_RGB and score_rgb(-1.0) == AGAINST_RGB
    assert score_rgb(0.0) == NEUTRAL_RGB and score_rgb(np.nan) == NOT_MENTIONED_RGB
    assert score_css(-0.5).startswith("rgba(178,24,43")


# ---------------------------------------------------------------- drill-down, export


def test_drilldown_tables(res):
    sents = document_sentences(res.sentences, "xss-1")
    assert list(sents["sent_idx"]) == sorted(sents["sent_idx"]) and set(sents["target"]) == {"Iran"}
    clean, sentences = text_sentences(res.texts, "xss-1")
    assert "<script>" in clean and sentences[0] == SCRIPT_DOC["title"]
    assert text_sentences(res.texts, "missing") == ("", [])
    rem = document_removed(res.removed, "doc-00000")
    assert list(rem.columns) == ["line_no", "reason", "text"] and len(rem) == 1


def test_export_tables_follow_filters(res, docs):
    f = filter_documents(docs, Filters(targets=("Israel",), sources=("Outlet 02",)))
    cells = matrix_cells(group_stance(f, "source", AGG), "source")
    out = export_tables(cells, f, res.sentences, "source")
    assert set(out) == {"matrix", "documents", "sentences"}
    assert set(out["matrix"]["source"]) == {"Outlet 02"} and "hover" not in out["matrix"]
    assert set(out["sentences"]["target"]) <= {"Israel"} and set(out["sentences"]["doc_id"]) <= set(f["doc_id"])
    assert "day" not in out["documents"] and "label_source" in out["documents"]
    assert label_counts(f)["favor"] == (f["label"] == "favor").sum()


# ---------------------------------------------------------------- figures (drawing only)


def test_matrix_figure_layers(docs):
    table = group_stance(docs, "source", AGG)
    table.loc[0, ["label", "n_documents", "score"]] = ["not_mentioned", 0, np.nan]
    cells = matrix_cells(table, "source", min_docs=50)
    rows = order_rows(cells)
    fig = figures.matrix_figure(cells, rows, ["Iran", "United States", "Israel"], "t")
    names = [t.name for t in fig.data]
    assert names[:2] == ["not mentioned", "score"] and "few documents" in names
    heat = fig.data[1]
    span = figures.score_span(cells["score"].to_numpy(float))
    assert heat.zmid == 0 and heat.zmin == -span and heat.zmax == span
    assert abs(np.nanmax(np.abs(np.asarray(heat.z, dtype=float)))) <= span
    assert heat.colorbar.ticktext[-1] == f"+{span:g} favor"
    hatch = next(t for t in fig.data if t.name == "not mentioned" and t.type == "scatter")
    assert hatch.fillpattern.shape == "/"
    text = [t for t in fig.data if t.name == "text"]
    assert all(t.mode == "text" for t in text) and sum(len(t.text) for t in text) == len(cells)
    clicks = fig.data[-1]
    assert clicks.name == "cells" and clicks.marker.opacity == 0 and len(clicks.customdata) == len(cells)
    assert {tuple(c[:2]) for c in clicks.customdata} == set(zip(cells["row"], cells["target"]))
    assert list(fig.layout.yaxis.ticktext)[0].startswith(rows[0][:10])


def test_time_figure(docs):
    series = time_series(docs, "rating", "quarter", AGG)
    fig = figures.time_figure(series, "rating", "Iran", "quarter")
    lines = [t for t in fig.data if t.type == "scatter" and t.mode == "lines+markers"]
    assert {t.name for t in lines} == {"left", "center", "right"}
    assert any(t.type == "bar" for t in fig.data) and any(t.fill == "toself" for t in fig.data)


def test_colour_span_fits_the_scores_shown():
    from app.figures import score_span

    assert score_span(np.array([-0.12, 0.05, np.nan])) == 0.25
    assert score_span(np.array([-0.3, 0.1])) == 0.5
    assert score_span(np.array([0.9, -0.2])) == 1.0
    assert score_span(np.array([np.nan])) == 0.25  # nothing to show: the tightest scale


# ---------------------------------------------------------------- rows of the matrix, compare panels as HTML


def test_row_documents_follow_the_row_choice(docs):
    rows, row = row_documents(docs, Filters(), {"group": "source", "groups": {}, "top": 2})
    assert row == "source" and set(rows["source"]) == set(top_sources(docs, 2))
    picked = Filters(sources=tuple(top_sources(docs, 3)))
    assert row_documents(docs, picked, {"group": "source", "groups": {}, "top": 1})[0] is docs  # picked sources win
    assert row_documents(docs, Filters(), {"group": "rating", "groups": {}, "top": 1}) == (docs, "rating")
    custom, col = row_documents(docs, Filters(), {"group": CUSTOM, "groups": {"A": [top_sources(docs, 1)[0]]}, "top": 1})
    assert col == "group" and set(custom["group"]) == {"A"}


def test_panel_html_escapes_titles_and_excerpts(docs, iran):
    panel = compare_panels(docs, "Iran", [SCRIPT_DOC["source"]], "source", AGG)[0]
    out = panel_html(panel, iran)
    assert panel.excerpts and "<script>" not in out and "&lt;script&gt;" in out
    assert out.count('class="excerpt"') == len(panel.excerpts) and "documents mention it" in out
    empty = panel_html(compare_panels(docs, "Iran", ["Nobody"], "source", AGG)[0], iran)
    assert "No evidence sentences." in empty and "not mentioned" in empty and "confidence" not in empty


def test_labels_shorten_and_sign():
    assert fmt_score(-0.2) == "−0.20" and fmt_score(0.314) == "+0.31"
    assert plural(1, "doc") == "1 doc" and plural(2, "doc") == "2 docs"
    assert shorten("a  b\nc", 10) == "a b c" and shorten("abcdefghij", 5) == "abcd…"
    assert doc_label({"doc_id": "d1", "title": "", "source": "S"}) == "(untitled) — S [d1]"
