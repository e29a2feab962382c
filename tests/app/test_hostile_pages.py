"""A hostile corpus through every tab: no live link, image, bold or script from document text; upload limits and lock.

The corpus (:func:`hostile_results`) has sources, titles, ratings, topics, ids, texts and URLs
written to break out: ``<a href>``, ``<b>``, ``<script>``, ``![img](...)``, ``javascript:``.
Every element the app draws is collected (Markdown, alerts, captions, labels, HTML, Plotly figure
JSON) and searched for the live forms; the escaped forms must be there instead.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import numpy as np
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from app.markup import md_escape, plot_text, safe_url
from app.uploads import (
    MAX_FILES,
    MAX_TEXT_CHARS,
    UploadError,
    check_file_count,
    pasted_document,
    read_upload,
    score_documents,
)
from lab.benchmarks.synthetic import synthetic_results
from stance.engines.local import Results
from stance.io.corpus import Corpus, Document
from stance.io.export import write_results
from stance.scoring.scorer import Scorer
from stance.settings import REPO_DIR, load_settings
from tests.app import browser

APP = str(REPO_DIR / "dashboard.py")
S1 = 'Evil <b>Outlet</b><a href="http://x">y</a>'
S2 = "**Bold** [Outlet](http://evil/o) <img src=x onerror=alert(3)>"
D2 = "evil-2]`x`"
HOSTILE = [
    {"doc_id": "evil-1", "source": S1, "date": "2017-12-30", "rating": "<b>lefty</b>", "topic": "![t](http://evil/t.png)",
     "title": "![img](http://evil/x.png) <script>alert(1)</script> Iran [click](javascript:alert(1))",
     "text": 'Iran is <a href="javascript:alert(1)">named</a> here. Israel ![pic](http://evil/p.png) too'},
    {"doc_id": D2, "source": S2, "date": "2017-12-29", "rating": "center", "topic": "[t](javascript:alert(2))",
     "title": "Normal <img src=x onerror=alert(2)> Israel # heading", "text": "Israel and Iran: <b>bold</b> claims"},
]
URLS = {"evil-1": "javascript:alert(1)", D2: "http://x/) ![y](http://evil/y.png"}

#: Live HTML, wherever Plotly or the browser would render it.
HTML_BAD = [r"<script", r"<a[\s>]", r"<img", r"<b>Outlet</b>", r"<b>lefty</b>", r"<b>bold</b>", r"href\s*=\s*\"?javascript"]
#: Live Markdown: an image, or a link to javascript: or to the hostile host (an escaped bracket is preceded by \).
MARKDOWN_BAD = [*HTML_BAD, r"!\[", r"(?<!\\)\]\((?:javascript|http://evil)", r"\*\*Bold\*\*"]
#: A bare address GitHub-flavoured Markdown would link by itself (only our "original article" link may hold one).
AUTOLINK = r"(?i)(https?://|www\.|[\w.]+@\w)"
#: Widget fields Streamlit shows as plain text (option lists, values), never as Markdown or HTML.
PLAIN_FIELDS = {"options", "default", "rawValue", "rawValues", "setValue", "value", "id", "deferredFileId", "formId",
                "queryParamKey", "data", "placeholder", "columns"}


def hostile_results() -> Results:
    """Synthetic results (4 outlets) plus the two :data:`HOSTILE` documents, with hostile URLs."""
    res = synthetic_results(n_docs=30, n_sources=4, seed=2, name="hostile", sentences_per_doc=8, extra_documents=HOSTILE)
    for doc_id, url in URLS.items():
        res.documents.loc[res.documents["doc_id"] == doc_id, "url"] = url
    return res


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    write_results(hostile_results(), root / "hostile", ["parquet"])
    return root


@pytest.fixture()
def app(hostile_root, monkeypatch):
    monkeypatch.setenv("DASHBOARD_RESULTS_DIR", str(hostile_root))
    return AppTest.from_file(APP, default_timeout=120)


def _strings(value, path=""):
    """Yield (path, string) for every string inside a JSON-like value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


def _figure_strings(spec: dict):
    for trace in spec.get("data", []):
        if trace.get("name") == "cells":  # click targets: [row key, target, hover]; only the hover is ever drawn
            trace = {**trace, "customdata": [c[2] for c in trace.get("customdata", [])]}
        yield from _strings(trace, ".data")
    yield from _strings(spec.get("layout", {}), ".layout")


def rendered(at: AppTest) -> list[tuple[str, str, str]]:
    """Return (kind, field, text) for every drawn text: kind is ``markdown``, ``html`` or ``plotly``."""
    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            d = MessageToDict(proto)
            if kind == "plotly_chart":
                out.extend(("plotly", f, s) for f, s in _figure_strings(json.loads(d["spec"])))
            elif kind == "html":
                out.append(("html", "body", d.get("body", "")))
            elif kind != "arrow_data_frame":
                keep = {k: v for k, v in d.items() if k not in PLAIN_FIELDS or (kind == "radio" and k == "options")}
                out.extend(("markdown", f"{kind}{f}", s) for f, s in _strings(keep))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def assert_no_live_markup(at: AppTest, where: str) -> str:
    """Fail on any live link, image, bold or script from document text; return all drawn text joined."""
    assert not at.exception, [e.value for e in at.exception]
    texts = rendered(at)
    bad = [(kind, field, pattern, text[:160]) for kind, field, text in texts
           for pattern in (HTML_BAD if kind in ("html", "plotly") else MARKDOWN_BAD) if re.search(pattern, text)]
    bad += [(kind, field, "autolink", text[:160]) for kind, field, text in texts
            if kind == "markdown" and not text.startswith("[original article](") and re.search(AUTOLINK, text)]
    assert not bad, f"{where}: {bad[:5]}"
    return "\n".join(t for _, _, t in texts)


def run(at: AppTest, **params) -> AppTest:
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    return at


VIEWS = [
    ("Matrix", {}), ("Matrix", {"group": "rating"}), ("Matrix", {"group": "topic"}), ("Documents", {}),
    ("Compare", {"cmp_target": "Iran", "compare": [S1, S2]}),
    ("Compare", {"cmp_by": "documents", "cmp_target": "Israel", "compare_docs": ["evil-1", D2]}),
    ("Time", {}), ("Drill-down", {"doc": "evil-1"}), ("Drill-down", {"doc": D2}), ("Add documents", {}),
    ("Export", {"sources": [S1, S2]}),
]


@pytest.mark.parametrize("tab,params", VIEWS, ids=[f"{t}-{'-'.join(p) or 'default'}" for t, p in VIEWS])
def test_every_tab_shows_hostile_text_as_text(app, tab, params):
    at = run(app, corpus="hostile", tab=tab, **params)
    shown = assert_no_live_markup(at, tab)
    if tab == "Matrix" and not params:
        ticks = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["yaxis"]["ticktext"]
        assert any(t.startswith("Evil &lt;b&gt;Outlet&lt;/b&gt;&lt;a href") for t in ticks), ticks
        at.selectbox(key="cell_row").set_value(S1).run()  # the evidence panel of the hostile outlet
        assert "&lt;script&gt;" in assert_no_live_markup(at, "Matrix evidence")
    if tab == "Documents":
        ticks = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["yaxis"]["ticktext"]
        assert any(t.startswith("![img](http://evil/x.png) &lt;") for t in ticks), ticks  # Plotly: HTML-escaped only
    if tab == "Time":
        names = {t.get("name") for i in range(len(at.get("plotly_chart")))
                 for t in json.loads(at.get("plotly_chart")[i].proto.spec)["data"]}
        assert plot_text(S1) in names and S1 not in names
    if tab == "Drill-down" and params["doc"] == "evil-1":
        assert "\\!\\[img\\]\\(http:&#47;/evil/x.png\\) &lt;script&gt;" in shown and "original article" not in shown
        assert "rating: &lt;b&gt;lefty&lt;/b&gt;" in shown and "topic: \\!\\[t\\]" in shown
    if tab == "Drill-down" and params["doc"] == D2:
        link = next(m.value for m in at.markdown if m.value.startswith("[original article]"))
        assert link == "[original article](http://x/%29%20%21%5By%5D%28http://evil/y.png)"
        assert "id evil-2\\]\\`x\\`" in shown
    if tab == "Compare" and "compare" in params:
        assert "**\\*\\*Bold\\*\\* \\[Outlet\\]\\(http:&#47;/evil/o\\) &lt;img" in shown
    if tab == "Export":
        assert "sources Evil &lt;b&gt;Outlet" in shown


def test_upload_errors_name_hostile_files_as_text(app, monkeypatch):
    at = run(app, corpus="hostile", tab="Add documents")
    name = "![x](http://evil/x.png) <b>f</b>.txt"
    at.file_uploader(key="files").set_value((name, b"\x89PNG\r\n\x1a\n\x00\x00IHDR", "text/plain"))
    at.button[0].click()
    at.run()
    shown = assert_no_live_markup(at, "upload error")
    assert any("binary content" in e.value for e in at.error)
    assert "\\!\\[x\\]\\(http:&#47;/evil/x.png\\) &lt;b&gt;f&lt;/b&gt;.txt" in shown


# ---------------------------------------------------------------- escaping helpers


def test_markdown_plotly_and_url_escaping():
    assert md_escape("![i](http://e/x.png) <b>x</b>\n# h") == "\\!\\[i\\]\\(http:&#47;/e/x.png\\) &lt;b&gt;x&lt;/b&gt; \\# h"
    assert md_escape("www.e.com a@b.org https://e") == "www&#46;e.com a&#64;b.org https:&#47;/e"  # GFM would link these
    assert md_escape("- item") == "\\- item" and md_escape("1. item") == "1\\. item"
    assert md_escape("Trending-news blog") == "Trending-news blog" and md_escape("2016-06-01") == "2016-06-01"
    assert md_escape("`c` *e* _u_ $m$ ~s~ |t|") == "\\`c\\` \\*e\\* \\_u\\_ \\$m\\$ \\~s\\~ \\|t\\|"
    assert plot_text('<a href="http://x">y</a> & <b>') == '&lt;a href="http://x"&gt;y&lt;/a&gt; &amp; &lt;b&gt;'
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None
    assert safe_url("//evil/x") is None and safe_url("") is None and safe_url(None) is None
    assert safe_url("https://ex.com/a b?q=(1)") == "https://ex.com/a%20b?q=%281%29"


# ---------------------------------------------------------------- upload limits and the scorer lock


def test_uploads_over_the_limits_are_refused_before_scoring():
    with pytest.raises(UploadError) as exc:
        read_upload("long.txt", b"Iran said yes. " * (MAX_TEXT_CHARS // 15 + 100))
    assert exc.value.problems[0].startswith("long.txt: 201,") and "limit is 200,000 characters per file" in str(exc.value)
    rows = "\n".join(json.dumps({"id": f"r{i}", "text": "Israel said no. " * 7000}) for i in range(2))
    with pytest.raises(UploadError, match=r"rows.jsonl: 223,998 characters of text; the limit is 200,000"):
        read_upload("rows.jsonl", rows.encode())
    with pytest.raises(UploadError, match=r"huge.txt: 1,000,001 bytes; the limit is 200,000 characters"):
        read_upload("huge.txt", b"x" * 1_000_001)  # refused without decoding it
    with pytest.raises(UploadError, match="pasted text: 200,001 characters"):
        pasted_document("x" * (MAX_TEXT_CHARS + 1), "Desk")
    check_file_count(MAX_FILES)
    with pytest.raises(UploadError, match="21 files chosen; the limit is 20 files per upload"):
        check_file_count(MAX_FILES + 1)


def test_too_many_files_are_refused_in_the_page_without_scoring(app, monkeypatch):
    import app.uploads as uploads

    def no_scoring(*_a, **_k):
        raise AssertionError("nothing over the limits may be scored")

    monkeypatch.setattr(uploads, "score_documents", no_scoring)
    at = run(app, corpus="hostile", tab="Add documents")
    files = [(f"f{i}.txt", b"Iran said yes.", "text/plain") for i in range(MAX_FILES + 1)]
    at.file_uploader(key="files").set_value(files)
    at.button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("21 files chosen; the limit is 20 files per upload" in e.value for e in at.error)
    at.file_uploader(key="files").set_value(("long.txt", b"Iran said yes. " * 14_000, "text/plain"))
    at.button[0].click()
    at.run()
    assert any("long.txt: 210,000 characters of text; the limit is 200,000" in e.value for e in at.error)


class LockCheckingScorer(Scorer):
    """Scores without a model and records whether the lock was held while it scored."""

    def __init__(self, lock: threading.Lock):
        self.settings = load_settings(environ={})
        self.model_name = self.fingerprint = "fake"
        self._model, self.cache = None, None
        self.stats = {"pairs": 0, "cached": 0, "scored": 0, "model_seconds": 0.0}
        self.lock, self.held = lock, []

    def score(self, premises, targets, progress=None):
        self.held.append(self.lock.locked())
        return np.tile(np.array([[0.1, 0.8, 0.1]], dtype=np.float32), (len(premises), 1))


def test_the_scorer_lock_is_held_only_while_scoring(monkeypatch):
    import stance.engines.local as local

    lock = threading.Lock()
    prepared_under_lock = []
    real_prepare = local.prepare_documents

    def prepare(*args, **kwargs):
        prepared_under_lock.append(lock.locked())
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(local, "prepare_documents", prepare)
    scorer = LockCheckingScorer(lock)
    corpus = Corpus([Document("u1", "Blog", "Iran objected to the deal. Israel objected too. " * 50, title="Deal")])
    res = score_documents(corpus, load_settings(environ={}), ["Iran", "Israel"], scorer, lock=lock)
    assert prepared_under_lock == [False] and scorer.held and all(scorer.held)
    assert not lock.locked() and set(res.documents["target"]) == {"Iran", "Israel"}


# ---------------------------------------------------------------- the real page in Chromium


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(browser.missing_reason() is not None, reason=f"needs Chromium: {browser.missing_reason()}")
def test_hostile_corpus_screenshots_show_no_live_links_or_images(hostile_root, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    out = Path(os.environ.get("DASHBOARD_SCREENSHOTS") or tmp_path) / "hostile"
    views = [("matrix", {"tab": "Matrix"}, ".js-plotly-plot"), ("documents", {"tab": "Documents"}, ".js-plotly-plot"),
             ("compare", {"tab": "Compare", "cmp_target": "Iran", "compare": [S1, S2]}, ".excerpt"),
             ("time", {"tab": "Time"}, ".js-plotly-plot"), ("drilldown", {"tab": "Drill-down", "doc": "evil-1"}, ".doctext"),
             ("drilldown2", {"tab": "Drill-down", "doc": D2}, ".doctext"),
             ("upload", {"tab": "Add documents"}, '[data-testid="stFileUploader"]'),
             ("export", {"tab": "Export", "sources": [S1, S2]}, '[data-testid="stDownloadButton"]')]
    with browser.streamlit_server(env={"DASHBOARD_RESULTS_DIR": str(hostile_root)}) as (url, _), \
            browser.browser() as driver:
        for name, params, css in views:
            png, seconds, errors = browser.take(driver, url, name, {"corpus": "hostile", **params}, css, out)
            print(f"{name:10s} {seconds:5.1f}s {png}")
            assert not errors, (name, errors)
            with pytest.raises(NoAlertPresentException):
                driver.switch_to.alert.text  # noqa: B018 - no script ran, so no alert is open
            live = driver.find_elements(By.CSS_SELECTOR, 'img[src*="evil"], img[src="x"], a[href^="javascript"], '
                                                         'a[href="http://x"], a[href*="evil"]:not([href^="http://x/%29"])')
            assert not live, (name, [e.get_attribute("outerHTML")[:120] for e in live])
            scripts = [e for e in driver.find_elements(By.TAG_NAME, "script") if "alert(" in (e.get_attribute("innerHTML") or "")]
            assert not scripts, name
            bold = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "b, strong") if e.text.strip() in ("Outlet", "Bold")]
            assert not bold, (name, bold)
            if name == "matrix":
                assert "Evil <b>Outlet</b>" in driver.find_element(By.TAG_NAME, "body").text


def test_a_click_on_the_document_heatmap_opens_an_id_with_brackets(app):
    at = run(app, corpus="hostile", tab="Documents")
    from app.pages.documents import ROW_IDS

    rows = {doc_id: row for row, doc_id in at.session_state[ROW_IDS].items()}
    assert D2 in rows and rows[D2].endswith(f"[{D2}]")  # the old parse (text after the last "[") gave "x`]"
    at.session_state["doc_chart"] = {"selection": {"points": [{"customdata": [rows[D2], "Israel", ""]}]}}
    from app.pages import documents

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(documents.st, "session_state", at.session_state)
        documents.on_document_click()
    assert at.session_state["doc"] == D2 and at.session_state["tab"] == "Drill-down"
