"""Outlet validity check: mean document stance per target for left / center / right outlets.

A check, never a tuning target: it reads the committed AllSides tables and prints, per
AllSides outlet rating and target, the mean document score with a 95% bootstrap interval
over documents and the document count, then the outlets (with at least --min-docs documents
naming the target) whose mean differs most from their rating group's.

    python -m lab.evaluation.outlet_validity [--results results/allsides] [--min-docs 10]
"""

from __future__ import annotations

import argparse
import sys

from stance.documents.rule import DocumentRule
from stance.io.export import read_results
from stance.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default="results/allsides")
    ap.add_argument("--min-docs", type=int, default=10)
    args = ap.parse_args(argv)
    docs = read_results(args.results).documents
    agg = load_settings().aggregate
    groups = DocumentRule.from_settings(agg).group(docs, "rating")
    groups["cell"] = [f"{r.score:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}] n={r.n_documents}" for r in groups.itertuples()]
    print("Mean document score (the score each document label rests on), 95% bootstrap CI, documents:")
    print(groups.pivot(index="rating", columns="target", values="cell").to_string())
    outlets = DocumentRule.from_settings(agg).group(docs, ["rating", "source"])
    outlets = outlets[outlets["n_documents"] >= args.min_docs].copy()
    group_mean = groups.set_index(["rating", "target"])["score"]
    outlets["diff"] = [r.score - group_mean[(r.rating, r.target)] for r in outlets.itertuples()]
    print(f"\nOutlets (>= {args.min_docs} documents naming the target) furthest from their rating group's mean:")
    for target, g in outlets.groupby("target"):
        top = g.reindex(g["diff"].abs().sort_values(ascending=False).index).head(3)
        for r in top.itertuples():
            print(f"  {target:14s} {r.source:40s} {r.rating:6s} {r.score:+.3f} vs group {r.score - r.diff:+.3f} "
                  f"(diff {r.diff:+.3f}, n={r.n_documents}, CI [{r.ci_low:+.3f}, {r.ci_high:+.3f}])")
    return 0


if __name__ == "__main__":
    sys.exit(main())
