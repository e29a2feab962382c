"""The test-set table: each candidate's labels on the fixed test gold, with intervals, beside the trivial rule.

Takes the per-cell predictions that ``python -m lab eval allsides-test --out FILE.csv`` writes for
each candidate (run once per candidate: the test set is never used to choose), adds the trivial
rule (neutral whenever a target is named, by the engine's own mention matching, taken from any
candidate's file), and prints one row per candidate: macro-F1 and F_avg with 95% bootstrap
intervals over articles, accuracy, recall per label, favor/against found, sign swaps.

    python -m lab.evaluation.test_table NAME=FILE.csv [NAME=FILE.csv ...] [--by corpus|target] [--markdown]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from lab.evaluation.metrics import evaluate_labels
from stance.settings import DOC_LABELS

N_BOOT = 1000


def trivial(cells: pd.DataFrame) -> pd.DataFrame:
    """Return ``cells`` relabelled by the trivial rule: neutral where the engine found a mention, else not_mentioned."""
    mentioned = cells["n_sentences"].fillna(0).astype(float) > 0
    return cells.assign(label=np.where(mentioned, "neutral", "not_mentioned"))


def row(name: str, cells: pd.DataFrame, seed: int = 0) -> dict:
    """Return the figures of one candidate's cells (``doc_id, gold, label``) with bootstrap intervals."""
    rep = evaluate_labels(cells["gold"].tolist(), cells["label"].tolist(), list(DOC_LABELS))
    docs = cells["doc_id"].unique()
    groups = {d: g for d, g in cells.groupby("doc_id")}
    rng = np.random.default_rng(seed)
    macro, favg = [], []
    for _ in range(N_BOOT):
        sample = pd.concat([groups[d] for d in rng.choice(docs, len(docs))])
        r = evaluate_labels(sample["gold"].tolist(), sample["label"].tolist(), list(DOC_LABELS))
        macro.append(r.macro_f1)
        favg.append(r.f_avg)
    gold_first = cells["gold"].str.split("|")
    swaps = sum(1 for g, p in zip(gold_first, cells["label"])
                if {"favor", "against"} == {p, *g} - {"neutral", "not_mentioned"} and p not in g)
    found = {lab: int(sum(p == lab and lab in g for g, p in zip(gold_first, cells["label"]))) for lab in ("favor", "against")}
    total = {lab: int(sum(lab in g for g in gold_first)) for lab in ("favor", "against")}
    return {"candidate": name, "cells": rep.n, "macro_f1": rep.macro_f1,
            "macro_f1_ci": f"{np.quantile(macro, 0.025):.3f}-{np.quantile(macro, 0.975):.3f}",
            "f_avg": rep.f_avg, "f_avg_ci": f"{np.quantile(favg, 0.025):.3f}-{np.quantile(favg, 0.975):.3f}",
            "accuracy": rep.accuracy, **{f"recall_{lab}": rep.recall[lab] for lab in DOC_LABELS},
            "favor_found": f"{found['favor']}/{total['favor']}", "against_found": f"{found['against']}/{total['against']}",
            "sign_swaps": swaps}


def table(candidates: dict[str, pd.DataFrame], by: str | None = None) -> pd.DataFrame:
    """Return the table: the trivial rule first, then each candidate (per ``by`` group when given)."""
    first = next(iter(candidates.values()))
    everyone = {"trivial: neutral whenever a target is named": trivial(first), **candidates}
    rows = []
    for name, cells in everyone.items():
        if by:
            for key, part in cells.groupby(by):
                rows.append({by: key, **row(name, part)})
        else:
            rows.append(row(name, cells))
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("candidates", nargs="+", metavar="NAME=FILE.csv")
    ap.add_argument("--by", choices=["corpus", "target"], help="one row per corpus or per target")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    cands = {}
    for item in args.candidates:
        name, _, path = item.partition("=")
        cands[name] = pd.read_csv(Path(path), keep_default_na=False, na_values=[""])
    t = table(cands, args.by)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(t.round(3).to_markdown(index=False) if args.markdown else t.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
