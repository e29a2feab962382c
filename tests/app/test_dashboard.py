"""Drive dashboard.py with Streamlit's AppTest: matrix, filters, compare, drill-down, uploads, overrides, export.

Every test runs against a temporary results folder (a copy of the committed seeds results
and a synthetic multi-outlet corpus), so overrides never touch ``results/``.
"""

from __future__ import annotations

import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from stance.io.export import tables_to_bytes
from stance.settings import REPO_DIR, SettingsError, load_settings
from tests.app.dashboard_data import SCRIPT_DOC, write_corpus

APP = str(REPO_DIR / "dashboard.py")


def _model_missing() -> str | None:
    try:
        load_settings().resolved_model()
    except SettingsError as exc:
        return str(exc)
    return None


@pytest.fixture(scope="module")
def results_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    shutil.copytree(REPO_DIR / "results" / "seeds", root / "seeds")
    write_corpus(root, "synth")
    return root


@pytest.fixture()
def app(results_root, monkeypatch):
    """A fresh app session on the seeds corpus (the default corpus); call ``open_app`` to run it."""
    monkeypatch.setenv("DASHBOARD_RESULTS_DIR", str(results_root))
    for f in results_root.glob("*/overrides.csv"):
        f.unlink()
    return AppTest.from_file(APP, default_timeout=120)


def run(at: AppTest, **params) -> AppTest:
    """Set URL query params (lists allowed), run, and fail on any exception."""
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_tab(at: AppTest, name: str) -> AppTest:
    """Switch tabs the way a click does (session state and URL)."""
    at.query_params["tab"] = name
    at.session_state["tab"] = name
    return run(at)


def chart(at: AppTest, i: int = 0) -> dict:
    """Return the i-th Plotly figure on the page as a dict."""
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def matrix_rows(at: AppTest) -> list[str]:
    return list(chart(at)["layout"]["yaxis"]["ticktext"])


def matrix_targets(at: AppTest) -> list[str]:
    return [t.replace("<b>", "").replace("</b>", "") for t in chart(at)["layout"]["xaxis"]["ticktext"]]


def html_text(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def header(at: AppTest) -> str:
    return at.caption[0].value


# ---------------------------------------------------------------- matrix and filters


def test_matrix_renders_for_the_seeds(app):
    at = run(app)
    assert at.selectbox(key="corpus").value == "seeds"
    assert sorted(matrix_rows(at)) == sorted(["Trending-news blog", "Afghan analysis site", "Euro-priced wire rewrite",
                                              "SEO explainer blog (link farm)", "SEO explainer blog (celebrity links)"])
    assert matrix_targets(at) == ["Iran", "United States", "Israel"]
    texts = [t for trace in chart(at)["data"] if trace.get("mode") == "text" for t in trace["text"]]
    assert len(texts) == 15
    assert any("not mentioned" in t for t in texts) and any("sent." in t for t in texts)
    assert "5 of 5 documents shown" in header(at)
    assert "mention" in html_text(at)  # evidence of the first cell, one click away
    assert not at.error


def test_changing_filters_changes_the_tables(app):
    at = run(app, corpus="synth")
    before = len(matrix_rows(at))
    at.multiselect(key="targets").set_value(["Iran", "Israel"]).run()
    assert matrix_targets(at) == ["Iran", "Israel"]
    at.number_input(key="top").set_value(3).run()
    assert len(matrix_rows(at)) == 3 < before
    at.slider(key="min_conf").set_value(0.9).run()
    assert "documents shown" in header(at)
    open_tab(at, "Export")
    tables = at.session_state["export_tables"]
    assert set(tables["documents"]["target"]) == {"Iran", "Israel"}
    assert (tables["documents"]["confidence"] >= 0.9).all() and set(tables["sentences"]["target"]) <= {"Iran", "Israel"}
    n_docs = tables["documents"]["doc_id"].nunique()
    at.text_input(key="q").set_value("script").run()
    assert at.session_state["export_tables"]["documents"]["doc_id"].nunique() <= 1 < n_docs


def test_date_filter_narrows_documents(app):
    at = run(app, corpus="synth")
    lo, hi = at.date_input(key="dates").value
    at.date_input(key="dates").set_value((lo, lo.replace(month=min(lo.month + 2, 12)))).run()
    shown = int(header(at).split(" of ")[0].replace(",", ""))
    assert 0 < shown < 81


def test_group_by_rating_and_custom_groups(app):
    at = run(app, corpus="synth")
    at.selectbox(key="group").set_value("rating").run()
    assert sorted(matrix_rows(at)) == ["center", "left", "right"]
    at.selectbox(key="group").set_value("custom grouping").run()
    at.text_area(key="groups_text").set_value("Pair: Outlet 00, Outlet 01\nbad line\nSolo: outlet 02").run()
    assert sorted(matrix_rows(at)) == ["Pair", "Solo"]
    assert any("line 2" in e.value for e in at.sidebar.error)


def test_few_documents_rule_is_marked_and_explained(app):
    at = run(app, corpus="synth")
    at.number_input(key="min_docs").set_value(100).run()
    names = [t.get("name") for t in chart(at)["data"]]
    assert "few documents" in names
    assert any("few documents" in c.value and "fewer than 100" in c.value for c in at.caption)


def test_corpus_switching(app):
    at = run(app)
    at.multiselect(key="targets").set_value(["Iran"]).run()
    at.selectbox(key="corpus").set_value("synth").run()
    assert "`synth`" in at.markdown[0].value
    assert at.multiselect(key="targets").value == ["Iran", "United States", "Israel"]  # reset for the new corpus
    assert "Outlet" in " ".join(matrix_rows(at))


def test_a_url_reopens_the_view(app):
    at = run(app, corpus="synth", tab="Compare", targets=["Iran", "Israel"], group="rating", min_docs="3",
             sources=["Outlet 00", "Outlet 01"], compare=["Outlet 00", "Outlet 01"], cmp_target="Israel",
             dates=["2016-02-01", "2017-06-30"], q="nuclear")
    assert at.selectbox(key="corpus").value == "synth" and at.session_state["tab"] == "Compare"
    assert at.multiselect(key="targets").value == ["Iran", "Israel"]
    assert at.multiselect(key="sources").value == ["Outlet 00", "Outlet 01"]
    assert at.multiselect(key="compare").value == ["Outlet 00", "Outlet 01"]
    assert at.selectbox(key="cmp_target").value == "Israel" and at.selectbox(key="group").value == "rating"
    assert str(at.date_input(key="dates").value[0]) == "2016-02-01" and at.text_input(key="q").value == "nuclear"
    assert at.number_input(key="min_docs").value == 3


# ---------------------------------------------------------------- compare, time, documents


def test_side_by_side_shows_the_chosen_sources_excerpts(app):
    at = run(app, tab="Compare", cmp_target="Iran", compare=["Trending-news blog", "Afghan analysis site"])
    body = html_text(at)
    assert "seed-000" in body and "seed-001" in body and "seed-002" not in body
    assert '<mark class="mention">Iran</mark>' in body
    headings = [m.value for m in at.markdown if m.value.startswith("**")]
    assert headings[:2] == ["**Trending-news blog**", "**Afghan analysis site**"]


def test_compare_documents_mode(app):
    at = run(app, tab="Compare", cmp_by="documents", cmp_target="Iran")
    at.multiselect(key="compare_docs").set_value(["seed-003", "seed-004"]).run()
    body = html_text(at)
    assert "seed-003" in body and "seed-004" in body and "seed-000" not in body


def test_time_view_by_rating(app):
    at = run(app, corpus="synth", group="rating", tab="Time")
    figs = [chart(at, i) for i in range(len(at.get("plotly_chart")))]
    assert len(figs) == 3
    lines = {t["name"] for t in figs[0]["data"] if t.get("mode") == "lines+markers"}
    assert lines == {"left", "center", "right"}
    at.radio(key="freq").set_value("month").run()
    assert "per month" in chart(at)["layout"]["title"]["text"]


def test_documents_view(app):
    at = run(app, corpus="synth", tab="Documents")
    assert "document × target" in chart(at)["layout"]["title"]["text"]
    df = at.dataframe[0].value
    assert {"label", "label_source", "strongest"} <= set(df.columns) and len(df) == 81 * 3


# ---------------------------------------------------------------- escaping, drill-down, overrides


def test_script_document_shows_as_text(app):
    at = run(app, corpus="synth", tab="Drill-down", doc="xss-1")
    body = html_text(at)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;img src=x" in body
    assert "<script>" not in body and "<img" not in body
    at2 = run(AppTest.from_file(APP, default_timeout=120), corpus="synth", tab="Compare", cmp_target="Iran",
              compare=[SCRIPT_DOC["source"]])
    body2 = html_text(at2)
    assert "&lt;script&gt;" in body2 and "<script>" not in body2


def test_drilldown_shows_sentences_and_removed_lines(app):
    at = run(app, tab="Drill-down", doc="seed-002")
    assert "data-sent=" in html_text(at)
    sentence_table = at.dataframe[0].value
    assert set(sentence_table["target"]) <= {"Iran", "United States", "Israel"} and len(sentence_table) > 0
    assert any("What cleaning removed" in e.label for e in at.expander)


def test_override_shows_in_views_and_export(app, results_root):
    at = run(app, corpus="synth", tab="Drill-down", doc="doc-00001")
    at.selectbox(key="ov_target").set_value("Israel")
    at.selectbox(key="ov_label").set_value("against")
    at.text_input(key="ov_note").set_value("sarcastic piece")
    at.button[0].click()  # "Save human label" (first form submit button)
    at.run()
    assert not at.exception
    saved = (results_root / "synth" / "overrides.csv").read_text()
    assert "doc-00001,Israel,against,sarcastic piece" in saved
    assert "human" in html_text(at)
    open_tab(at, "Export")
    docs = at.session_state["export_tables"]["documents"]
    row = docs[(docs["doc_id"] == "doc-00001") & (docs["target"] == "Israel")].iloc[0]
    assert row["label"] == "against" and row["label_source"] == "human" and row["override_note"] == "sarcastic piece"
    assert b"human" in tables_to_bytes({"documents": docs}, "csv")
    assert (at.session_state["export_tables"]["matrix"]["n_human"] == 1).sum() == 1
    assert "1 human label" in header(at)


# ---------------------------------------------------------------- uploads


def _submit_upload(at: AppTest, files=None, source: str = "") -> AppTest:
    if files is not None:
        at.file_uploader(key="files").set_value(files)
    at.text_input(key="up_source").set_value(source)
    at.button[0].click()  # the form's "Score and add"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_bad_upload_shows_an_error_and_keeps_everything(app):
    at = run(app, tab="Add documents", targets=["Iran"])
    _submit_upload(at, ("bad.csv", b"id,body\n1,hello\n", "text/csv"))
    assert any("bad.csv: no 'text' column" in e.value for e in at.error)
    assert "5 of 5 documents shown" in header(at) and at.multiselect(key="targets").value == ["Iran"]


@pytest.mark.slow
@pytest.mark.skipif(_model_missing() is not None, reason=f"no NLI model to score uploads: {_model_missing()}")
def test_good_upload_adds_a_document_then_a_bad_one_loses_nothing(app):
    at = run(app, tab="Add documents")
    text = b"Iran welcomed the new agreement with its neighbours.\n\nTehran said the talks were a success for Iran."
    _submit_upload(at, ("fresh.txt", text, "text/plain"), source="Test desk")
    assert not at.error, [e.value for e in at.error]
    assert any("Added 1 document" in s.value for s in at.success)
    assert "6 of 6 documents shown" in header(at) and "1 added this session" in header(at)
    assert not at.file_uploader(key="files").value and at.text_input(key="up_source").value == ""  # form emptied
    _submit_upload(at, ("fresh.txt", text, "text/plain"), source="Test desk")  # same id again
    assert any("already loaded" in e.value for e in at.error)
    _submit_upload(at, ("empty.md", b"  ", "text/markdown"))
    assert any("empty.md: file is empty" in e.value for e in at.error)
    assert "6 of 6 documents shown" in header(at)
    open_tab(at, "Matrix")
    assert "Test desk" in matrix_rows(at)
