"""Compare NLI stance models on the val splits of the shared stance sets, same protocol for all.

Protocol (:func:`lab.training.model_eval.compare_models`): for each (text, target) the three
``settings.toml`` hypotheses, softmax over the entailment logits, argmax → favor / against /
none; macro-F1 over the gold classes present and F_avg (mean F1 of favor and against).

    python -m lab.evaluation.compare_models --model own=models/stance-minilm-news \
        --sets DIR/val.csv --by-target          # labelled files too; per-target rows
    python -m lab.evaluation.compare_models \
        --model own=models/stance-minilm-news --model baseline=../shared/models/stance-nli-minilm-v1 \
        --sets vast covid19_stance pstance directed_sentiment_news --out runs/compare.csv \
        --update-card models/stance-minilm-news
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from lab.training.card import model_card
from lab.training.model_eval import compare_models, val_sets


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run the comparison, print and save the table; optionally update a model card."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", action="append", required=True, metavar="NAME=PATH", help="model to evaluate (repeat)")
    p.add_argument("--sets", nargs="+", default=None,
                   help="stance sets with a val split, or labelled CSV/JSONL files used whole (default: all sets)")
    p.add_argument("--per-set", type=int, default=None, help="stratified sample per set (default: the full split)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--by-target", action="store_true",
                   help="also score each set's rows per target (rows named 'SET / TARGET')")
    p.add_argument("--out", type=Path, default=None, help="CSV for the result table")
    p.add_argument("--update-card", type=Path, default=None,
                   help="model folder whose README.md is regenerated with this table (needs training_log.json)")
    p.add_argument("--notes", default="", help="extra markdown appended to the card")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    models = dict(m.split("=", 1) for m in args.model)
    sets = val_sets(args.sets, args.per_set, args.seed)
    if args.by_target:
        sets = {**sets, **{f"{name} / {t}": g.reset_index(drop=True)
                           for name, df in sets.items() for t, g in df.groupby("target") if len(g) >= 20}}
    res = compare_models(models, sets, max_length=args.max_length, threads=args.threads)
    cols = ["model", "set", "n", "macro_f1", "f_avg", "f1_favor", "f1_against", "f1_none",
            "auc_favor", "auc_against", "pred_favor", "pred_against", "pred_none", "accuracy"]
    print(res[cols].round(3).to_string(index=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        res.to_csv(args.out, index=False)
    if args.update_card:
        info = json.loads((args.update_card / "training_log.json").read_text())
        (args.update_card / "README.md").write_text(model_card(info, res, args.notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
