"""Estimate what labelling N articles costs, from measured runs on the AllSides corpus.

Inputs (all measured, none assumed):

* ``results/allsides/run.json`` — pairs (sentence × target) per document on real news;
* ``results/allsides/timing.json`` — the local engine's cold rate on this machine;
* optionally ``--ray JSON`` from ``lab/benchmarks/bench_ray.py --json`` — Ray's rate and start-up;
* optionally ``--gpu-pairs-per-s X`` — a rate measured on a GPU (not measured here: none was lent).

Prints pairs per document, pairs/s per core, and the hours for ``--articles`` on
``--cores`` (and GPUs when a GPU rate is given)::

    python -m lab.benchmarks.cost_model --articles 1000000 --cores 2 16 1600 --ray /tmp/bench_ray_3185.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def estimate(pairs_per_doc: float, pairs_per_s_per_core: float, articles: int, cores: int,
             startup_s: float = 0.0) -> float:
    """Return wall hours to label ``articles`` on ``cores`` cores (perfect scaling plus start-up)."""
    return (articles * pairs_per_doc / (pairs_per_s_per_core * cores) + startup_s) / 3600


def main(argv: list[str] | None = None) -> int:
    """Parse flags, read the measured runs, print the cost table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", type=Path, default=REPO / "results" / "allsides")
    p.add_argument("--ray", type=Path, help="bench_ray.py --json output to take Ray's rate and start-up from")
    p.add_argument("--articles", type=int, default=1_000_000)
    p.add_argument("--cores", type=int, nargs="+", default=[2, 16, 1600])
    p.add_argument("--gpu-pairs-per-s", type=float, help="pairs/s measured on one GPU, if you have one")
    args = p.parse_args(argv)

    run = json.loads((args.results / "run.json").read_text())
    timing = json.loads((args.results / "timing.json").read_text())
    docs, pairs = run["documents"], run["target_sentences"]
    scored = timing["pairs_scored"]
    cores_here = timing.get("cores") or 2
    per_core = scored / timing["seconds_label"] / cores_here
    print(f"measured on {docs:,} AllSides articles: {pairs / docs:.1f} sentence x target pairs per article "
          f"({scored / docs:.1f} scored after dedup; 3 NLI passes each), {run['sentences'] / docs:.0f} sentences")
    print(f"local engine, cold: {scored / timing['seconds_label']:.1f} pairs/s on {cores_here} cores = "
          f"{per_core:.1f} pairs/s per core (load at end {timing.get('loadavg_end')})")
    rates = [("local engine", per_core, 0.0)]
    if args.ray:
        bench = json.loads(args.ray.read_text())
        best = max((r for r in bench["rows"] if r["engine"] == "ray"), key=lambda r: r["documents"] * 1e6 + r["workers"])
        ray_core = best["pairs_scored"] / best["seconds"] / bench["cpus"]
        print(f"ray x{best['workers']} on {best['documents']:,} articles: {best['pairs_scored'] / best['seconds']:.1f} "
              f"pairs/s = {ray_core:.1f} per core; start-up {bench['ray_startup_s']:.1f}s")
        rates.append((f"ray (x{best['workers']} rate)", ray_core, bench["ray_startup_s"]))
    per_doc = scored / docs
    print(f"\n{args.articles:,} articles = {args.articles * per_doc / 1e6:.1f} M pairs to score")
    for name, rate, startup in rates:
        for c in args.cores:
            h = estimate(per_doc, rate, args.articles, c, startup)
            print(f"  {name:<18} {c:>6} cores: {h:8.1f} h  ({h * c:,.0f} core-hours)")
    if args.gpu_pairs_per_s:
        h = args.articles * per_doc / args.gpu_pairs_per_s / 3600
        print(f"  one GPU at {args.gpu_pairs_per_s:,.0f} pairs/s: {h:.1f} h")
    return 0


if __name__ == "__main__":
    sys.exit(main())
