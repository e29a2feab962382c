"""Bad inputs never take a view down or fall back silently: human-label files and command-line flags.

Human labels (``overrides.csv``): a bad row is skipped and named (file and line), a Windows-1252
file is read, concurrent saves all survive, and the file is a normal one (0644 under umask 022).
Flags and settings: every bad value stops before any work with exit code 2 and one line on stderr
naming the flag (or the setting key when it came from a file or the environment).
Every bad input is built here in ``tmp_path``.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading

import pytest

from stance.cli import main
from stance.cli.flags import comma_list
from stance.documents.overrides import (
    apply_overrides,
    load_overrides,
    overrides_path,
    read_overrides,
    set_override,
)
from stance.io.export import FORMATS
from stance.settings import SettingsError

HEADER = "doc_id,target,label,note,created\n"


# --------------------------------------------------------------------------- human labels: reading


def test_an_unknown_label_skips_that_row_only_and_names_file_and_line(tmp_path):
    overrides_path(tmp_path).write_text(HEADER + "d1,Iran,favor,,\nd2,Iran,maybe,,\nd3,Israel,against,,\n")
    table, problems = read_overrides(tmp_path)
    assert table["doc_id"].tolist() == ["d1", "d3"]
    assert len(problems) == 1 and "overrides.csv: line 3" in problems[0] and "'maybe'" in problems[0]
    assert load_overrides(tmp_path)["doc_id"].tolist() == ["d1", "d3"]  # the app's call never raises


def test_a_cp1252_resave_is_read_with_a_note(tmp_path):
    text = HEADER + "d1,Iran,against,“Déjà vu” – café,2026-01-01\nd2,Israel,Neutral,,\n"
    overrides_path(tmp_path).write_bytes(text.encode("cp1252"))
    table, problems = read_overrides(tmp_path)
    assert table["note"].tolist() == ["“Déjà vu” – café", ""]
    assert table["label"].tolist() == ["against", "neutral"]  # Excel's capitalisation is accepted
    assert len(problems) == 1 and "cp1252" in problems[0] and "overrides.csv" in problems[0]


def test_an_unclosed_quote_loses_only_its_own_row(tmp_path):
    overrides_path(tmp_path).write_text(HEADER + 'd1,Iran,favor,ok,\nd2,Iran,against,"never closed,\n'
                                        "d3,Israel,neutral,fine,\nd4,Iran,not_mentioned,,\n")
    table, problems = read_overrides(tmp_path)
    assert table["doc_id"].tolist() == ["d1", "d3", "d4"]
    assert len(problems) == 1 and "line 3" in problems[0] and "never closed" in problems[0]


@pytest.mark.parametrize("text,line,words", [
    ("doc,target,label\nd1,Iran,favor\n", "line 1", "lacks column(s) doc_id"),
    (HEADER + "d1,Iran,favor,a,b,c,d\n", "line 2", "7 cells for 5 columns"),
    (HEADER + ",Iran,favor,,\n", "line 2", "no doc_id"),
    (HEADER + 'd1,Iran,favor,"a"b,\n', "line 2", "not valid CSV"),
])
def test_other_bad_rows_are_problems_not_errors(tmp_path, text, line, words):
    overrides_path(tmp_path).write_text(text)
    table, problems = read_overrides(tmp_path)
    assert table.empty and len(problems) == 1 and line in problems[0] and words in problems[0]


def test_good_rows_of_a_bad_file_still_apply(tmp_path):
    import pandas as pd

    overrides_path(tmp_path).write_text(HEADER + "d1,Iran,favor,,\nd1,Israel,??,,\n")
    docs = pd.DataFrame({"doc_id": ["d1", "d1"], "target": ["Iran", "Israel"], "label": ["against", "neutral"],
                         "score": [-0.5, 0.0], "confidence": [0.7, 0.6]})
    out = apply_overrides(docs, load_overrides(tmp_path))
    assert out["label"].tolist() == ["favor", "neutral"] and out["label_source"].tolist() == ["human", "model"]


# --------------------------------------------------------------------------- human labels: saving


def test_saving_over_a_file_with_bad_rows_keeps_a_copy_of_it(tmp_path):
    original = (HEADER + "d1,Iran,favor,,\nd2,Iran,Favour,typo to fix,\n").encode()
    overrides_path(tmp_path).write_bytes(original)
    set_override(tmp_path, "d3", "Israel", "against")
    (copy,) = tmp_path.glob("overrides.csv.bad-*")
    assert copy.read_bytes() == original
    table, problems = read_overrides(tmp_path)
    assert table["doc_id"].tolist() == ["d1", "d3"] and problems == []


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600)])
def test_the_file_is_a_normal_file_under_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        set_override(tmp_path, "d1", "Iran", "favor")
    finally:
        os.umask(old)
    assert stat.S_IMODE(overrides_path(tmp_path).stat().st_mode) == mode
    assert sorted(p.name for p in tmp_path.iterdir()) == [".overrides.csv.lock", "overrides.csv"]  # no temp left


def _add_many(folder: str, worker: int, n: int) -> None:
    for i in range(n):
        set_override(folder, f"w{worker}-d{i}", "Iran", ("favor", "against", "neutral")[i % 3], f"note {i}")


def test_concurrent_processes_keep_every_override(tmp_path):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_add_many, args=(str(tmp_path), w, 20)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    table, problems = read_overrides(tmp_path)
    assert problems == [] and len(table) == 80
    assert set(table["doc_id"]) == {f"w{w}-d{i}" for w in range(4) for i in range(20)}


def test_concurrent_threads_keep_every_override(tmp_path):
    threads = [threading.Thread(target=_add_many, args=(str(tmp_path), w, 10)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(load_overrides(tmp_path)) == 60


# --------------------------------------------------------------------------- flags and settings


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Iran welcomed the talks.\n")
    return str(folder)


def _label(corpus: str, tmp_path, *flags: str) -> list[str]:
    return ["label", corpus, "--out", str(tmp_path / "out"), "--quiet", *flags]


@pytest.mark.parametrize("flags,named", [
    (["--targets", ""], "--targets"),
    (["--targets", ",,,"], "--targets"),
    (["--format", ""], "--format"),
    (["--batch-size", "0"], "--batch-size"),
    (["--batch-size", "-1"], "--batch-size"),
    (["--threads", "-1"], "--threads"),
    (["--max-length", "0"], "--max-length"),
    (["--neutral-threshold", "nan"], "--neutral-threshold"),
    (["--neutral-threshold", "inf"], "--neutral-threshold"),
    (["--neutral-threshold", "-0.1"], "--neutral-threshold"),
    (["--neutral-threshold", "1"], "--neutral-threshold"),
    (["--device", "gpu"], "--device"),
    (["--model", ""], "--model"),
])
def test_a_bad_flag_stops_with_exit_2_and_one_line_naming_it(corpus, tmp_path, capsys, flags, named):
    assert main(_label(corpus, tmp_path, *flags)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and named in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # no work was done


def test_cuda_without_a_gpu_is_refused_before_any_work(corpus, tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    assert main(_label(corpus, tmp_path, "--device", "cuda")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--device" in err and "no CUDA GPU" in err


@pytest.mark.parametrize("toml,key", [
    ("batch_size = -4\n", "batch_size"),
    ("max_length = 2.5\n", "max_length"),
    ("threads = true\n", "threads"),
    ("[aggregate]\nneutral_threshold = nan\n", "aggregate.neutral_threshold"),
    ("[aggregate]\nmin_confidence = 1.5\n", "aggregate.min_confidence"),
])
def test_a_bad_settings_file_names_the_key(corpus, tmp_path, capsys, toml, key):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    assert main(_label(corpus, tmp_path, "--config", str(cfg))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"setting {key} " in err and "Traceback" not in err


def test_a_bad_environment_value_names_the_key_and_a_flag_overrides_it(corpus, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STANCE_AGGREGATE__NEUTRAL_THRESHOLD", "nan")
    assert main(_label(corpus, tmp_path)) == 2
    assert "setting aggregate.neutral_threshold must be a finite number" in capsys.readouterr().err
    monkeypatch.setenv("STANCE_BATCH_SIZE", "0")
    assert main(_label(corpus, tmp_path, "--batch-size", "-2")) == 2
    assert capsys.readouterr().err.startswith("error: --batch-size must be")  # the flag's value is the one used


def test_comma_list_is_the_format_validator():
    assert comma_list("--format", " csv, json,csv ", FORMATS) == ["csv", "json"]
    for bad in ("", ",,", " , "):
        with pytest.raises(SettingsError, match="--format: '.*' names nothing"):
            comma_list("--format", bad, FORMATS)
    with pytest.raises(SettingsError, match="--format: unknown 'docx'"):
        comma_list("--format", "csv,docx", FORMATS)
    assert comma_list("--targets", "Iran,,Saudi Arabia") == ["Iran", "Saudi Arabia"]
