"""Results folders are written whole or not at all, say what they hold, refuse foreign folders, and export no formulas.

Every test builds its own results by hand (no model) in ``tmp_path``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import stance.io.export as export
from stance.cli import main
from stance.engines.local import Results
from stance.io import atomic
from stance.io.atomic import atomic_write_bytes, swap_in_folder
from stance.io.cell_safety import quote_cell, unquote_cell
from stance.io.export import read_results, tables_to_bytes, write_results
from stance.io.results_folder import ResultsError, check_out_folder, results_problem
from stance.settings import REPO_DIR
from tests.conftest import SEEDS_DIR

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+SUM(1,2)", "-2+3", "@cmd", "\tTAB", "\rCR",
           "'=already quoted", "plain - dash inside"]


def make_results(tag: str = "v1") -> Results:
    """Small self-consistent results with formula-like text in every text table, and negative numbers."""
    sents = [f"{h} Iran {tag}" for h in HOSTILE]
    n = len(sents)
    sentences = pd.DataFrame({
        "doc_id": ["d1"] * n, "sent_idx": list(range(n)), "paragraph": [0] * n, "target": ["Iran"] * n,
        "sentence": sents, "premise": sents, "cue": [""] * n, "aliases": ["Iran"] * n,
        "p_favor": [0.1] * n, "p_against": [0.6] * n, "p_neutral": [0.3] * n,
        "raw_score": [-0.5] * n, "score": [-0.5 + i / 100 for i in range(n)], "weight": [1.0] * n,
        "position": ["body"] * n})
    documents = pd.DataFrame({"doc_id": ["d1", "d1"], "source": ["@Outlet", "@Outlet"], "title": ["=1+1", "=1+1"],
                              "target": ["Iran", "Israel"], "label": ["against", "not_mentioned"],
                              "score": [-0.5, 0.0], "confidence": [0.7, 0.0]})
    sources = pd.DataFrame({"source": ["@Outlet", "@Outlet"], "target": ["Iran", "Israel"],
                            "label": ["against", "not_mentioned"], "score": [-0.25, 0.0], "n_documents": [1, 0]})
    texts = pd.DataFrame({"doc_id": ["d1"], "clean_text": [" ".join(sents)], "n_sentences_total": [n],
                          "removed_share": [0.1], "sentences": [json.dumps(sents)]})
    removed = pd.DataFrame({"doc_id": ["d1"], "line_no": [9], "text": ["-Read also"], "reason": ["related"]})
    run = {"model": "m", "templates": {"favor": "f {target}"}, "targets": ["Iran", "Israel"], "tag": tag}
    return Results(sentences, documents, sources, texts, removed, run=run)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}")]


# ------------------------------------------------------------------ 1. one format set, swapped in whole


def test_relabel_in_another_format_replaces_the_folder_whole(tmp_path):
    out = tmp_path / "res"
    write_results(make_results("v1"), out, ["parquet"])
    (out / "overrides.csv").write_text("doc_id,target,label,note,created\nd1,Iran,favor,,\n")
    shards = out / "_shards"
    shards.mkdir()
    (shards / "manifest.json").write_text("{}")
    write_results(make_results("v2"), out, ["csv"])
    names = {p.name for p in out.iterdir()}
    assert not [n for n in names if n.endswith(".parquet")]  # the stale Parquet is gone with the old folder
    assert names == {f"{t}.csv" for t in export.TABLES} | {"run.json", "overrides.csv", "_shards"}
    assert (out / "overrides.csv").read_text().endswith("d1,Iran,favor,,\n")  # human labels kept
    assert (shards / "manifest.json").read_text() == "{}"
    run = json.loads((out / "run.json").read_text())
    assert run["formats"] == ["csv"] and run["files"] == [f"{t}.csv" for t in export.TABLES]
    assert run["formula_safe"] is True and run["tag"] == "v2"
    back = read_results(out)
    assert back.run["tag"] == "v2"
    pd.testing.assert_frame_equal(back.sentences, make_results("v2").sentences, check_dtype=False)
    assert leftovers(out) == []


def test_reader_reads_exactly_the_files_run_json_names(tmp_path):
    out = tmp_path / "res"
    write_results(make_results("v2"), out, ["csv"])
    stale = make_results("stale").documents.drop(columns="label")  # what crashed the app: an old table beside
    stale.to_parquet(out / "documents.parquet")
    back = read_results(out)
    assert "label" in back.documents and back.run["tag"] == "v2"
    pd.testing.assert_frame_equal(back.documents, make_results("v2").documents, check_dtype=False)


def test_missing_named_file_is_a_one_line_error(tmp_path):
    out = tmp_path / "res"
    write_results(make_results(), out, ["parquet", "csv"])
    (out / "sources.csv").unlink()
    with pytest.raises(ResultsError) as err:
        read_results(out)
    msg = str(err.value)
    assert "\n" not in msg and str(out) in msg and "sources.csv" in msg
    assert results_problem(out) == msg
    xlsx_only = tmp_path / "xlsx"
    write_results(make_results(), xlsx_only, ["xlsx"])
    assert "xlsx" in results_problem(xlsx_only) and "\n" not in results_problem(xlsx_only)


def test_a_failure_midway_leaves_the_previous_results(tmp_path, monkeypatch):
    out = tmp_path / "res"
    write_results(make_results("v1"), out, ["parquet"])
    before = snapshot(out)
    real, calls = export.write_table, []

    def third_table_fails(df, path, fmt, **kw):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full (simulated) writing the third table")
        return real(df, path, fmt, **kw)

    monkeypatch.setattr(export, "write_table", third_table_fails)
    with pytest.raises(OSError, match="simulated"):
        write_results(make_results("v2"), out, ["csv"])
    assert len(calls) == 3
    assert snapshot(out) == before  # exactly the previous results, nothing of the new ones
    assert read_results(out).run["tag"] == "v1"
    assert leftovers(out) == []  # the temporary folder went too


KILL_SCRIPT = """
import os, signal, sys
import stance.io.export as export
from tests.engine.test_results_safety import make_results
real, calls = export.write_table, []
def dies(df, path, fmt, **kw):
    calls.append(path)
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(df, path, fmt, **kw)
export.write_table = dies
export.write_results(make_results("v2"), sys.argv[1], ["csv"])
"""


def test_a_process_killed_midway_leaves_the_previous_results(tmp_path):
    out = tmp_path / "res"
    write_results(make_results("v1"), out, ["parquet"])
    before = snapshot(out)
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(out)], cwd=REPO_DIR, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(REPO_DIR)}, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    assert snapshot(out) == before and read_results(out).run["tag"] == "v1"
    left = leftovers(out)
    assert len(left) == 1 and left[0].startswith(".res.stance-tmp-")  # a hidden half-written folder, never `res`
    write_results(make_results("v3"), out, ["csv"])  # the next write removes the dead writer's folder
    assert leftovers(out) == [] and read_results(out).run["tag"] == "v3"


def test_swap_without_renameat2_restores_the_old_folder_when_the_second_rename_fails(tmp_path, monkeypatch):
    old, new = tmp_path / "res", tmp_path / ".res.new"
    old.mkdir()
    (old / "a").write_text("old")
    new.mkdir()
    (new / "a").write_text("new")
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    real, calls = os.rename, []

    def second_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("simulated")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "rename", second_fails)
    with pytest.raises(OSError):
        swap_in_folder(new, old)
    assert (old / "a").read_text() == "old"
    monkeypatch.setattr(atomic.os, "rename", real)
    swap_in_folder(new, old)
    assert (old / "a").read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_an_old_folder_left_aside_by_a_killed_writer_is_put_back(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    aside = tmp_path / f".res.stance-tmp-{int(dead.stdout)}-old-abcd1234"  # killed between its two renames
    write_results(make_results("v1"), aside, ["csv"])
    (aside / "overrides.csv").write_text("doc_id,target,label,note,created\n")
    write_results(make_results("v2"), tmp_path / "res", ["csv"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
    assert (tmp_path / "res" / "overrides.csv").is_file() and read_results(tmp_path / "res").run["tag"] == "v2"


# ------------------------------------------------------------------ 1. --out checked before any scoring


def _label(out: str, *flags: str) -> list[str]:
    # a model that does not exist: reaching the scoring step would exit 3, not 2
    return ["label", str(SEEDS_DIR), "--out", out, "--model", "/nonexistent/model", "--no-cache", "--quiet", *flags]


def test_out_refuses_a_foreign_folder_before_any_work(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "documents.csv").write_text("my,own\n1,2\n")
    (mine / "run.json").write_text('{"my": "notes"}')
    before = snapshot(mine)
    assert main(_label(str(mine))) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: --out:") and str(mine) in err and "--force" in err
    assert snapshot(mine) == before
    # --force lets it through to the scoring step (which fails on the missing model, exit 3)
    assert main(_label(str(mine), "--force")) == 3
    assert snapshot(mine) == before


@pytest.mark.parametrize("case", ["empty", "file", "under_a_file", "unwritable", "current_folder"])
def test_out_refuses_impossible_destinations(tmp_path, capsys, case):
    f = tmp_path / "a_file"
    f.write_text("x")
    out = {"empty": "", "file": str(f), "under_a_file": str(f / "sub"), "unwritable": "/proc/stance-results",
           "current_folder": "."}[case]
    if case == "unwritable" and not Path("/proc/self").exists():
        pytest.skip("needs /proc (Linux)")
    assert main(_label(out)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: --out:")
    assert f.read_text() == "x"
    if case in ("empty", "file", "current_folder"):  # the library refuses them too, before writing anything
        with pytest.raises(ResultsError):
            write_results(make_results(), out, ["csv"])
        assert f.read_text() == "x" and sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_out_accepts_new_empty_results_and_shard_folders(tmp_path):
    ours = tmp_path / "ours"
    write_results(make_results(), ours, ["csv"])
    shards_only = tmp_path / "ray"
    (shards_only / "_shards").mkdir(parents=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    legacy = tmp_path / "legacy"  # committed results: run.json from before it named its files
    shutil.copytree(REPO_DIR / "results" / "seeds", legacy)
    for out in (tmp_path / "new" / "deeper", empty, ours, shards_only, legacy):
        assert check_out_folder(out) == out.resolve()
    with pytest.raises(ResultsError):
        check_out_folder(SEEDS_DIR)  # a corpus folder is not a results folder


# ------------------------------------------------------------------ 2. no live formulas in exports


def test_csv_cells_are_quoted_and_numbers_untouched(tmp_path):
    r = make_results()
    safe = pd.read_csv(io.BytesIO(tables_to_bytes({"s": r.sentences}, "csv")), keep_default_na=False)
    raw = pd.read_csv(io.BytesIO(tables_to_bytes({"s": r.sentences}, "csv", raw=True)), keep_default_na=False)
    for cell, original in zip(safe["sentence"], r.sentences["sentence"]):
        risky = original.lstrip("'")[:1] in ("=", "+", "-", "@", "\t", "\r")
        assert cell == ("'" + original if risky else original)
    assert list(raw["sentence"]) == list(r.sentences["sentence"])
    for col in ("raw_score", "score", "p_favor", "sent_idx"):  # the tables' numbers are the same
        pd.testing.assert_series_equal(safe[col], raw[col])
        assert (safe[col] == r.sentences[col]).all()
    assert (safe["raw_score"] == -0.5).all()
    assert all(unquote_cell(quote_cell(v)) == v for v in [*HOSTILE, "''=x", "'", "", "-", 3, None])


def test_results_csv_is_safe_and_reads_back_exactly(tmp_path):
    r = make_results()
    write_results(r, tmp_path / "safe", ["csv"])
    text = (tmp_path / "safe" / "documents.csv").read_text()
    assert "'@Outlet" in text and "'=1+1" in text and ",-0.5," in text
    back = read_results(tmp_path / "safe")
    for name in ("sentences", "documents", "removed"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(r, name), check_dtype=False)
    write_results(r, tmp_path / "raw", ["csv"], raw=True)
    assert "\n=" not in text and ",=1+1" in (tmp_path / "raw" / "documents.csv").read_text()
    assert json.loads((tmp_path / "raw" / "run.json").read_text())["formula_safe"] is False
    pd.testing.assert_frame_equal(read_results(tmp_path / "raw").documents, back.documents)


def _cells(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_xlsx_holds_text_never_formulas(tmp_path):
    r = make_results()
    write_results(r, tmp_path / "x", ["xlsx"])
    for data in (tables_to_bytes({"sentences": r.sentences, "documents": r.documents}, "xlsx"),
                 (tmp_path / "x" / "stance.xlsx").read_bytes()):
        cells = _cells(data)
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        values = [c.value for c in cells]
        assert f"{HOSTILE[0]} Iran v1" in values and "=1+1" in values and -0.5 in values
    raw = _cells(tables_to_bytes({"documents": r.documents}, "xlsx", raw=True))
    assert [c.value for c in raw if c.data_type == "f"] == ["=1+1", "=1+1"]  # raw is for machines only


def test_cli_raw_export_flag(tmp_path, monkeypatch):
    r = make_results()
    monkeypatch.setattr("stance.engines.local.label_corpus", lambda corpus, settings, progress=True: r)
    assert main(["label", str(SEEDS_DIR), "--out", str(tmp_path / "safe"), "--quiet", "--format", "csv,xlsx"]) == 0
    assert main(["label", str(SEEDS_DIR), "--out", str(tmp_path / "raw"), "--quiet", "--raw-export"]) == 0
    assert (tmp_path / "safe" / "documents.csv").read_text().count("'=1+1") == 2
    assert (tmp_path / "raw" / "documents.csv").read_text().count(",=1+1,") == 2
    assert not [c for c in _cells((tmp_path / "safe" / "stance.xlsx").read_bytes()) if c.data_type == "f"]


# ------------------------------------------------------------------ 3. atomic single files


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "t.csv"
    atomic_write_bytes(path, b"old")
    with pytest.raises(TypeError):
        atomic_write_bytes(path, object())  # fails after the temporary file is open
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["t.csv"]
    export.write_table(make_results().documents, tmp_path / "t", "csv")
    assert path.read_text().startswith("doc_id,") and [p.name for p in tmp_path.iterdir()] == ["t.csv"]
