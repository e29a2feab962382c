"""Ray engine: same tables as the local engine, resume after a kill, a cache two processes share.

The Ray tests start one local Ray (``num_cpus=2``) for the module and skip, naming the
install command, when ray is not installed; the planning and cache tests need no Ray.
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from stance.engines.local import Results, label_corpus
from stance.engines.ray import INSTALL_HINT, require_ray
from stance.engines.shards import (
    SHARDS_DIR,
    TABLE_KINDS,
    atomic_write,
    plan_shards,
    plan_workers,
    score_signature,
    shard_path,
    start_shard_dir,
)
from stance.io.corpus import Corpus, Document, load_corpus
from stance.scoring.cache import ScoreCache
from stance.settings import REPO_DIR, SettingsError, load_settings

ALLSIDES = REPO_DIR / "corpus" / "allsides"
#: Eight short AllSides articles (45 target sentences): real text, quick to score.
SAMPLE_IDS = ("QPGYnKXTMb1KH2rO", "8lrABTR9jxCB7J2N", "wGYOFLZYyMz4tm04", "LfrBpSDl9VL0OK0P",
              "zgqNHL4TjYSS3ZrE", "ZyMbq0g01NJk9Ung", "M74InX1q4L1wCmKb", "E1RTX0JXvJily8sN")
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason=f"ray is not installed ({INSTALL_HINT})")


def assert_same_results(a: Results, b: Results) -> None:
    """Every table equal: same rows, labels and text; scores within 1e-5 (evidence up to its rounding)."""
    from lab.benchmarks.compare import compare_results

    check = compare_results(a, b)
    assert check["tables_equal"], check.get("first_difference") or check["evidence_differences"]
    assert check["document_labels_equal"] and check["source_labels_equal"]


def _settings(model: str | None, cache: Path):
    overrides = {"cache_dir": str(cache)} | ({"model": model} if model else {})
    return load_settings(overrides=overrides, environ={})


def _docs(n: int = 5) -> list[Document]:
    return [Document(f"d{i}", "Outlet", f"Iran said {i} things about Israel.") for i in range(n)]


# --------------------------------------------------------------------------- no Ray needed


def test_shard_names_follow_documents_and_score_settings():
    settings = load_settings(environ={})
    sig = score_signature(settings, "model-a")
    shards = plan_shards(_docs(5), 2, sig)
    assert [len(s.doc_ids) for s in shards] == [2, 2, 1]
    assert [s.name for s in plan_shards(_docs(5), 2, sig)] == [s.name for s in shards]
    other_model = plan_shards(_docs(5), 2, score_signature(settings, "model-b"))
    assert not {s.name for s in other_model} & {s.name for s in shards}
    edited = _docs(5)
    edited[4] = Document("d4", "Outlet", "Iran changed its mind.")
    assert [s.name for s in plan_shards(edited, 2, sig)][:2] == [s.name for s in shards][:2]
    assert plan_shards(edited, 2, sig)[2].name != shards[2].name
    with pytest.raises(SettingsError):
        plan_shards(_docs(2), 0, sig)


def test_worker_plan_leaves_a_cpu_share_for_prepare_tasks():
    plan = plan_workers({"CPU": 2.0}, 2, 2, 0.0, 0)
    assert (plan.workers, plan.threads) == (2, 1) and plan.workers * plan.cpus < 2
    assert plan_workers({"CPU": 2.0}, 2, None, 0.0, 0).workers == 1
    assert plan_workers({"CPU": 64.0, "GPU": 8.0}, 16, None, 1.0, 0).workers == 8
    assert plan_workers({"CPU": 64.0, "GPU": 8.0}, 16, None, 0.5, 0).workers == 16
    with pytest.raises(SettingsError, match="GPU"):
        plan_workers({"CPU": 8.0}, 8, None, 1.0, 0)


def test_missing_ray_names_the_install_command(monkeypatch, capsys):
    from stance.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` raise ImportError
    with pytest.raises(SettingsError, match="requirements-ray.txt"):
        require_ray()
    code = main(["label", str(REPO_DIR / "corpus" / "seeds"), "--out", "unused", "--engine", "ray", "--quiet"])
    assert code == 2 and "pip install -r requirements-ray.txt" in capsys.readouterr().err


def test_shard_dir_drops_stale_and_half_written_files(tmp_path):
    shards = plan_shards(_docs(3), 2, {"x": 1})
    out = tmp_path / "out"
    (out / SHARDS_DIR).mkdir(parents=True)
    keep = shard_path(out / SHARDS_DIR, shards[0].name, "scores")
    atomic_write(keep, b"kept")
    stale = out / SHARDS_DIR / "shard-000000-0000000000000000.scores.parquet"
    half = out / SHARDS_DIR / f"{shards[1].name}.scores.parquet.tmp-123"
    stale.write_bytes(b"old settings")
    half.write_bytes(b"cut short")
    shard_dir = start_shard_dir(out, shards, {"x": 1}, 2)
    assert keep.read_bytes() == b"kept" and not stale.exists() and not half.exists()
    assert len(json.loads((shard_dir / "manifest.json").read_text())["shards"]) == 2


def test_compare_results_allows_evidence_rounding_and_nothing_else(tiny_settings):
    import copy

    from lab.benchmarks.compare import compare_results

    docs = Corpus([Document("a", "A", "Iran praised Israel. Iran attacked the U.S. embassy."),
                   Document("b", "B", "Israel said Iran lied.")], name="t")
    base = label_corpus(docs, tiny_settings)
    assert compare_results(base, copy.deepcopy(base))["tables_equal"]
    row = int(base.documents["evidence_favor"].str.len().idxmax())
    evidence = json.loads(base.documents.at[row, "evidence_favor"])
    assert evidence, "the tiny model should leave some favor evidence"
    rounded, moved = copy.deepcopy(base), copy.deepcopy(base)
    rounded.documents.at[row, "evidence_favor"] = json.dumps([{**evidence[0], "score": evidence[0]["score"] + 1e-4},
                                                              *evidence[1:]])
    moved.documents.at[row, "evidence_favor"] = json.dumps([{**evidence[0], "sent_idx": 99}, *evidence[1:]])
    assert compare_results(base, rounded)["tables_equal"]
    assert compare_results(base, rounded)["evidence_rows_rounding_only"] == 1
    assert not compare_results(base, moved)["tables_equal"]
    shifted = copy.deepcopy(base)
    shifted.sentences["p_favor"] += 1e-3
    assert not compare_results(base, shifted)["tables_equal"]


def _hammer_cache(path: str, seed: int, n_keys: int) -> None:
    """Write the same keys as the other process, in small transactions, in its own order."""
    cache = ScoreCache(path)
    keys = [f"key-{i:05d}" for i in range(n_keys)]
    order = np.random.default_rng(seed).permutation(n_keys)
    for start in range(0, n_keys, 25):
        chunk = [keys[i] for i in order[start:start + 25]]
        cache.put_many({k: np.full(3, int(k[4:]), dtype=np.float32) for k in chunk})
        cache.get_many(chunk)
    cache.close()


def test_two_processes_writing_the_same_keys_keep_the_cache_whole(tmp_path):
    path, n_keys = str(tmp_path / "scores.sqlite"), 3000
    ctx = multiprocessing.get_context("fork")  # fork: no second torch import; Ray is not started yet
    procs = [ctx.Process(target=_hammer_cache, args=(path, seed, n_keys)) for seed in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM scores").fetchone() == (n_keys, n_keys)
    cache = ScoreCache(path)
    got = cache.get_many([f"key-{i:05d}" for i in range(n_keys)])
    assert all(np.array_equal(v, np.full(3, int(k[4:]), dtype=np.float32)) for k, v in got.items())
    assert len(got) == n_keys


# --------------------------------------------------------------------------- on a local Ray


@pytest.fixture(scope="module")
def sample_corpus() -> Corpus:
    if not ALLSIDES.is_file():
        pytest.skip(f"AllSides corpus not found at {ALLSIDES}")
    docs = [d for d in load_corpus(ALLSIDES).documents if d.id in SAMPLE_IDS]
    assert len(docs) == len(SAMPLE_IDS)
    return Corpus(docs, name="allsides-sample")


@pytest.fixture(scope="module")
def sample_file(sample_corpus, tmp_path_factory) -> Path:
    """The sample as a JSONL file, for the CLI and a separate process."""
    path = tmp_path_factory.mktemp("corpus") / "sample.jsonl"
    rows = [{"id": d.id, "source": d.source, "title": d.title, "url": d.url, "date": d.date, "text": d.text}
            for d in sample_corpus.documents]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def ray_address():
    """One local Ray for the module (2 CPUs); yields the address other drivers can join."""
    if importlib.util.find_spec("ray") is None:
        pytest.skip(f"ray is not installed ({INSTALL_HINT})")
    import ray

    from stance.engines.ray import init_ray

    started = init_ray(num_cpus=2)
    yield ray.get_runtime_context().gcs_address
    if started:
        ray.shutdown()


@needs_ray
@pytest.mark.ray
@pytest.mark.model
@pytest.mark.slow
def test_ray_tables_equal_local_tables_with_the_real_model(sample_corpus, ray_address, tmp_path):
    """Two actors, four shards, empty caches on both sides: the same tables as label_corpus."""
    from stance.engines.ray import label_with_ray

    local = label_corpus(sample_corpus, _settings(None, tmp_path / "cache-local"))
    on_ray = label_with_ray(sample_corpus, _settings(None, tmp_path / "cache-ray"), tmp_path / "out",
                            workers=2, shard_size=2, progress=False, formats=("parquet",))
    assert on_ray.run["pairs_scored"] == local.run["pairs_scored"] > 0
    assert on_ray.run["shards"] == 4 and on_ray.run["workers"] == 2
    assert_same_results(local, on_ray)
    assert list(on_ray.documents["label"]) == list(local.documents["label"])
    assert list(on_ray.sources["label"]) == list(local.sources["label"])
    files = sorted(p.name for p in (tmp_path / "out" / SHARDS_DIR).iterdir())
    assert len(files) == 4 * len(TABLE_KINDS) + 1 and not [f for f in files if ".tmp-" in f]


KILLED_DRIVER = """
import json, sys, time
from stance.engines.ray import label_with_ray
from stance.settings import load_settings
a = json.loads(sys.argv[1])
settings = load_settings(overrides={"model": a["model"], "cache_dir": a["cache"]}, environ={})
label_with_ray(a["corpus"], settings, a["out"], address=a["address"], workers=1, shard_size=2, progress=False,
               on_shard=lambda shard: time.sleep(600))  # stall after the first shard until killed
"""


@needs_ray
@pytest.mark.ray
@pytest.mark.slow
def test_run_killed_midway_resumes_without_redoing_shards(sample_file, ray_address, tiny_model_dir, tmp_path):
    """SIGKILL a driver after its first shard; the resumed run keeps that shard and ends equal."""
    from stance.engines.ray import label_with_ray

    out, cache = tmp_path / "out", tmp_path / "cache"
    args = {"model": str(tiny_model_dir), "cache": str(cache), "out": str(out), "corpus": str(sample_file),
            "address": ray_address}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_DIR), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_DRIVER, json.dumps(args)], cwd=REPO_DIR, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    shard_dir = out / SHARDS_DIR
    deadline = time.monotonic() + 90
    while not list(shard_dir.glob("*.scores.parquet")):
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "no shard written within 90 s"
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    survived = {p.name: p.stat().st_mtime_ns for p in shard_dir.glob("*.parquet")}
    assert len(survived) == len(TABLE_KINDS)  # exactly one shard committed before the kill

    settings = _settings(str(tiny_model_dir), cache)
    resumed = label_with_ray(sample_file, settings, out, workers=1, shard_size=2, progress=False,
                             formats=("parquet",))
    assert resumed.run["shards_resumed"] == 1 and resumed.run["shards"] == 4
    assert {n: (shard_dir / n).stat().st_mtime_ns for n in survived} == survived  # not rewritten
    reference = label_corpus(load_corpus(sample_file), _settings(str(tiny_model_dir), tmp_path / "cache-ref"))
    assert not resumed.sentences.duplicated(["doc_id", "target", "sent_idx"]).any()
    assert_same_results(reference, resumed)

    # A second run of the same command through the CLI finds every shard done and rewrites the same tables.
    from stance.cli import main
    from stance.io.export import read_results
    code = main(["label", str(sample_file), "--out", str(out), "--engine", "ray", "--quiet", "--format", "parquet",
                 "--model", str(tiny_model_dir), "--cache-dir", str(cache), "--shard-size", "2", "--workers", "1"])
    assert code == 0
    again = read_results(out)
    assert again.run["shards_resumed"] == 4 and again.run["pairs_scored"] == 0
    assert_same_results(reference, again)
