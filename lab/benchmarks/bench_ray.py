"""Benchmark the local engine against the Ray engine (1 and 2 scoring actors) on one machine.

For each ``--docs N`` (the first N documents of the corpus) it times, each from an empty
score cache (a fresh temporary ``cache_dir``):

* the local engine (:func:`stance.engines.local.label_corpus`);
* the Ray engine (:func:`stance.engines.ray.label_with_ray`) with each ``--workers`` count,
  on a local Ray started once (its start-up is timed separately);

and reports documents/s, pairs/s, CPU-seconds per pair (robust to other load on the
machine), Ray's overhead over the local engine, and whether Ray's tables equal the local
ones (same labels; largest score difference). Example::

    python -m lab.benchmarks.bench_ray --docs 50
    python -m lab.benchmarks.bench_ray --docs 500 --json /tmp/bench_ray_500.json
    python -m lab.benchmarks.bench_ray --docs 3185 --workers 2 --reference results/allsides  # local row from that run
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lab.benchmarks.compare import compare_results
from stance.engines.local import Results, label_corpus
from stance.engines.ray import DEFAULT_SHARD_SIZE, init_ray, label_with_ray
from stance.io.corpus import Corpus, load_corpus
from stance.scoring.scorer import Scorer
from stance.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]

ALLSIDES = REPO.parent / "shared" / "corpora" / "allsides_iran_israel" / "articles.jsonl.gz"


def sample(corpus: Corpus, n: int) -> Corpus:
    """Return the first ``n`` documents of ``corpus`` as a corpus of their own."""
    return Corpus(corpus.documents[:n], name=f"{corpus.name}[:{n}]")


def fresh_settings(base: Settings, cache_dir: Path) -> Settings:
    """Return ``base`` with an empty cache folder, so every timing scores every pair."""
    import dataclasses
    return dataclasses.replace(base, cache_dir=str(cache_dir))


def time_local(corpus: Corpus, settings: Settings) -> tuple[dict[str, Any], Results]:
    """Label with the local engine from an empty cache; returns (figures, results)."""
    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    scorer = Scorer(settings)
    results = label_corpus(corpus, settings, scorer=scorer)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    run = results.run
    return {"engine": "local", "workers": 1, "seconds": seconds, "cpu_seconds": cpu,
            "model_seconds": scorer.stats["model_seconds"], "seconds_prepare": run["seconds_prepare"],
            "pairs": run["target_sentences"], "pairs_scored": run["pairs_scored"],
            "load_avg": [round(load0, 1), round(os.getloadavg()[0], 1)]}, results


def time_ray(corpus: Corpus, settings: Settings, workers: int, shard_size: int, out: Path) -> tuple[dict[str, Any], Results]:
    """Label with the Ray engine (Ray already started) from an empty cache; returns (figures, results)."""
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    results = label_with_ray(corpus, settings, out, workers=workers, shard_size=shard_size, progress=False, formats=())
    seconds = time.perf_counter() - t0
    run = results.run
    return {"engine": "ray", "workers": workers, "seconds": seconds, "shard_size": shard_size, "shards": run["shards"],
            "cpu_seconds": run["cpu_seconds_prepare"] + run["cpu_seconds_score"],
            "cpu_seconds_prepare": run["cpu_seconds_prepare"], "seconds_pipeline": run["seconds_ray"],
            "pairs": run["target_sentences"], "pairs_scored": run["pairs_scored"],
            "load_avg": [round(load0, 1), round(os.getloadavg()[0], 1)]}, results


def add_rates(row: dict[str, Any], n_docs: int, local_seconds: float | None) -> dict[str, Any]:
    """Add documents/s, pairs/s, pairs per CPU-second and overhead over the local engine."""
    row["documents"] = n_docs
    row["docs_per_s"] = n_docs / row["seconds"]
    row["pairs_per_s"] = row["pairs"] / row["seconds"]
    row["pairs_per_cpu_s"] = row["pairs"] / row["cpu_seconds"] if row.get("cpu_seconds") else None
    if local_seconds is not None:
        row["overhead_s"] = row["seconds"] - local_seconds
    return row


def auto_shard_size(n_docs: int, max_workers: int) -> int:
    """Shards small enough that every actor gets several, at most the engine's default size."""
    return max(1, min(DEFAULT_SHARD_SIZE, n_docs // (4 * max_workers)))


def reference_local(path: Path, n: int) -> tuple[dict[str, Any], Results]:
    """Use a finished local-engine run (``results/allsides`` and its ``timing.json``) as the local row.

    Saves re-running a long cold local labelling; the run must cover exactly ``n`` documents.
    """
    from stance.io.export import read_results

    res = read_results(path)
    if res.run.get("documents") != n:
        raise SystemExit(f"{path}: reference run has {res.run.get('documents')} documents, not {n}")
    timing_file = path / "timing.json"
    timing = json.loads(timing_file.read_text()) if timing_file.is_file() else {}
    seconds = timing.get("seconds_label", res.run["seconds_total"])
    return {"engine": "local", "workers": 1, "seconds": seconds, "cpu_seconds": None, "reference": str(path),
            "seconds_prepare": res.run["seconds_prepare"], "pairs": res.run["target_sentences"],
            "pairs_scored": res.run["pairs_scored"], "load_avg": [timing.get("loadavg_end")]}, res


def bench_size(corpus: Corpus, n: int, base: Settings, workers: list[int], shard_size: int | None,
               on_row: Callable[[dict[str, Any]], None], reference: Path | None = None) -> None:
    """Run the local engine and each Ray worker count on the first ``n`` documents; ``on_row`` gets each result.

    With ``reference`` the local row is read from that finished run instead of re-run.
    """
    docs = sample(corpus, n)
    size = shard_size or auto_shard_size(n, max(workers))
    with tempfile.TemporaryDirectory(prefix="bench_ray_") as tmp:
        if reference is not None:
            local_row, local = reference_local(reference, n)
        else:
            local_row, local = time_local(docs, fresh_settings(base, Path(tmp) / "cache-local"))
        on_row(add_rates(local_row, n, None))
        for w in workers:
            row, res = time_ray(docs, fresh_settings(base, Path(tmp) / f"cache-ray{w}"), w, size, Path(tmp) / f"out{w}")
            row.update(compare_results(local, res))
            on_row(add_rates(row, n, local_row["seconds"]))


def fmt_row(r: dict[str, Any]) -> str:
    """One line of the results table."""
    name = "local" if r["engine"] == "local" else f"ray x{r['workers']}"
    extra = "" if r["engine"] == "local" else (
        f"  overhead {r['overhead_s']:+.1f}s  equal={r['tables_equal']} labels={r['document_labels_equal']}/"
        f"{r['source_labels_equal']} max|d|={r['max_score_diff']:.1e} evidence rows differing "
        f"{r['evidence_rows_differing']} ({r['evidence_rows_rounding_only']} by rounding only)")
    cpu = f"{r['pairs_per_cpu_s']:.1f}" if r["pairs_per_cpu_s"] else "-"
    return (f"{r['documents']:>6} docs {name:<8} {r['seconds']:8.1f}s  {r['docs_per_s']:6.2f} docs/s  "
            f"{r['pairs_per_s']:6.1f} pairs/s  {cpu:>6} pairs/CPU-s  {r['pairs']} pairs  load {r['load_avg']}{extra}")


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run the benchmark, print a table and optionally write JSON."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, action="append", help="documents to label (repeatable; default 50)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Ray actor counts to time (default 1 2)")
    p.add_argument("--shard-size", type=int, help="documents per shard (default: N / (4 x max workers), at most 64)")
    p.add_argument("--corpus", default=str(ALLSIDES), help="corpus path (default: the AllSides Iran/Israel articles)")
    p.add_argument("--json", help="also write the figures to this JSON file")
    p.add_argument("--reference", type=Path, help="a finished local run of the same N documents to compare with "
                   "instead of re-running the local engine (e.g. results/allsides with its timing.json)")
    args = p.parse_args(argv)
    sizes = args.docs or [50]
    corpus = load_corpus(args.corpus)
    base = load_settings()
    t0 = time.perf_counter()
    init_ray(num_cpus=os.cpu_count())
    startup = time.perf_counter() - t0
    print(f"ray start-up {startup:.1f}s on {os.cpu_count()} CPUs; model {base.resolved_model()}", flush=True)
    rows: list[dict[str, Any]] = []

    def on_row(row: dict[str, Any]) -> None:
        rows.append(row)
        print(fmt_row(row), flush=True)
        if args.json:  # after every row, so a long run that is cut short keeps what it measured
            Path(args.json).write_text(json.dumps({"ray_startup_s": startup, "cpus": os.cpu_count(), "rows": rows},
                                                  indent=1) + "\n")

    for n in sizes:
        bench_size(corpus, min(n, len(corpus.documents)), base, args.workers, args.shard_size, on_row, args.reference)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
