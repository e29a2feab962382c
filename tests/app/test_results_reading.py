"""The app finds and reads results folders by what their run.json names; a broken folder is one line, never a traceback.

Also: relabelling a corpus in another format (the CLI's default CSV over Parquet) leaves a
folder the dashboard opens, and the app's downloads carry no live formulas.
"""

from __future__ import annotations

import io
import shutil

import openpyxl
import pandas as pd
from streamlit.testing.v1 import AppTest

from app.cache import read_problem
from app.data import available_corpora, corpus_problems
from app.widgets import _serialiser
from stance.cli import main
from stance.io.export import read_results, write_results
from stance.settings import REPO_DIR
from tests.app.dashboard_data import multi_outlet_results
from tests.conftest import SEEDS_DIR

APP = str(REPO_DIR / "dashboard.py")


def _root(tmp_path):
    """A results root: a good folder, one whose run.json names a missing file, a hidden half-written one, a stray."""
    root = tmp_path / "results"
    write_results(multi_outlet_results(), root / "good", ["parquet"])
    write_results(multi_outlet_results(), root / "broken", ["csv"])
    (root / "broken" / "texts.csv").unlink()
    write_results(multi_outlet_results(), root / ".good.stance-tmp-99999-x", ["parquet"])
    (root / "notes").mkdir()
    (root / "notes" / "run.json").write_text('{"mine": true}')
    return root


def test_finder_lists_results_folders_and_says_what_is_wrong(tmp_path):
    root = _root(tmp_path)
    assert available_corpora(root) == ["broken", "good"]  # no hidden temporary folder, no stray folder
    problems = corpus_problems(root)
    assert list(problems) == ["broken"]
    assert "\n" not in problems["broken"] and "texts.csv" in problems["broken"] and "broken" in problems["broken"]


def test_loader_returns_a_reason_instead_of_raising(tmp_path):
    root = _root(tmp_path)
    results, problem = read_problem(str(root / "broken"))
    assert results is None and "\n" not in problem and "texts.csv" in problem
    results, problem = read_problem(str(root / "good"))
    assert problem is None and len(results.documents) == len(multi_outlet_results().documents)
    (root / "good" / "run.json").write_text("{not json")
    results, problem = read_problem(str(root / "good"))
    assert results is None and "run.json" in problem and "\n" not in problem


def test_dashboard_shows_one_line_for_a_broken_folder(tmp_path, monkeypatch):
    root = tmp_path / "results"
    write_results(multi_outlet_results(), root / "seeds", ["csv"])
    (root / "seeds" / "sources.csv").unlink()
    monkeypatch.setenv("DASHBOARD_RESULTS_DIR", str(root))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "sources.csv" in errors[0] and "\n" not in errors[0]


def test_relabel_with_the_default_csv_over_parquet_opens_in_the_dashboard(tmp_path, tiny_model_dir, monkeypatch):
    root = tmp_path / "results"
    out = root / "seeds"
    flags = ["--model", str(tiny_model_dir), "--cache-dir", str(tmp_path / "cache"), "--quiet"]
    assert main(["label", str(SEEDS_DIR), "--out", str(out), "--format", "parquet", *flags]) == 0
    (out / "overrides.csv").write_text("doc_id,target,label,note,created\n")
    assert main(["label", str(SEEDS_DIR), "--out", str(out), *flags]) == 0  # default --format csv
    assert not list(out.glob("*.parquet")) and (out / "overrides.csv").is_file()
    results, problem = read_problem(str(out))
    assert problem is None and {"doc_id", "target", "label"} <= set(results.documents.columns)
    assert results.texts["sentences"].map(len).gt(0).all()
    monkeypatch.setenv("DASHBOARD_RESULTS_DIR", str(root))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.exception]


def test_app_downloads_are_spreadsheet_safe(tmp_path):
    docs = pd.DataFrame({"doc_id": ["a"], "title": ['=HYPERLINK("http://evil.example","x")'], "score": [-0.5]})
    wb = openpyxl.load_workbook(io.BytesIO(_serialiser(lambda: {"documents": docs}, "xlsx")()))
    cells = [c for row in wb["documents"].iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert docs.loc[0, "title"] in [c.value for c in cells] and -0.5 in [c.value for c in cells]
    csv = _serialiser(lambda: {"documents": docs}, "csv")().decode()
    assert "'=HYPERLINK" in csv and ",-0.5" in csv


def test_committed_results_still_read(tmp_path):
    # results written before run.json named its files are read the old way
    shutil.copytree(REPO_DIR / "results" / "seeds", tmp_path / "seeds")
    assert available_corpora(tmp_path) == ["seeds"] and corpus_problems(tmp_path) == {}
    assert len(read_results(tmp_path / "seeds").documents) == 15
