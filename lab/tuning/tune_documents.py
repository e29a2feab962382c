"""Choose the sentence → document method by cross-validation on the AllSides dev gold.

Runs the dev articles through ``label_corpus`` once (scores are cached), then compares
document-labelling methods with repeated K-fold cross-validation over documents: every
choice a method makes (thresholds, regularisation) is fitted on the training folds only.
Prints one row per method: macro-F1 (four labels), F_avg(favor, against) and accuracy as
mean ± standard deviation over the repeats (pooled out-of-fold predictions), and the
spread of per-fold macro-F1. With ``--save`` it fits the best head on all dev cells and
writes it where the engine finds it.

    python -m lab.tuning.tune_documents [--model PATH] [--repeats 10] [--save]
    python -m lab.tuning.tune_documents --weights-grid   # quote / headline weights with the shipped grid
    python -m lab.tuning.tune_documents --score-variants # other sentence-score transforms, same grid
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from lab.evaluation.evaluate import evaluate_documents
from lab.evaluation.golds import load_document_gold
from lab.evaluation.metrics import reliability
from lab.tuning.methods import (
    CONTRASTS,
    PRIORS,
    STRENGTHS,
    VARIANTS,
    Head,
    MeanThreshold,
    Method,
    Trivial,
    VariantThreshold,
    _score,
    print_rows,
    shipped_grid,
)
from stance.documents.calibration import apply_calibration, fit_calibrator
from stance.documents.head import ALL_FEATURES
from stance.engines.local import label_corpus
from stance.settings import load_settings


def dev_tables(settings, scorer=None, gold_set: str = "allsides-dev") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (cells: doc_id, target, gold, mentioned), sentence table for a document gold set.

    ``scorer`` (optional) is a ready :class:`stance.engines.local.Scorer` to score with;
    ``gold_set`` names the gold (the dev gold by default; "a+b" pools two sets of the same corpus).
    """
    gold, corpus = load_document_gold(gold_set)
    res = label_corpus(corpus, settings, scorer=scorer)
    mentioned = set(zip(res.sentences["doc_id"], res.sentences["target"]))
    gold = gold[["doc_id", "target", "gold"]].copy()
    gold["mentioned"] = [(d, t) in mentioned for d, t in zip(gold["doc_id"], gold["target"])]
    return gold.reset_index(drop=True), res.sentences


def cross_validate(method: Method, cells: pd.DataFrame, k: int, repeats: int, extra: pd.DataFrame | None = None) -> dict:
    """Repeated K-fold over documents; returns mean/std of pooled figures and per-fold spread.

    ``extra`` cells (another gold's, e.g. the training readings) join every training fold and are
    never tested on.
    """
    docs = np.array(sorted(cells["doc_id"].unique()))
    pooled, fold_f1 = [], []
    for rep in range(repeats):
        rng = np.random.default_rng(rep)
        perm = rng.permutation(docs)
        pred = pd.Series(index=cells.index, dtype=object)
        for f in np.array_split(perm, k):
            test = cells["doc_id"].isin(f)
            method.fit(cells[~test] if extra is None else pd.concat([cells[~test], extra], ignore_index=True))
            p = method.predict(cells[test])
            pred[test] = p
            fold_f1.append(_score(cells[test], p).macro_f1)
        r = _score(cells, pred.tolist())
        pooled.append((r.macro_f1, r.f_avg, r.accuracy))
    a = np.array(pooled)
    picks = getattr(method, "picks", [])
    method.picks = []
    common = Counter(picks).most_common(1)
    pick = (", ".join(f"{n} {v}" for n, v in zip(method.pick_names, common[0][0]))
            + f" ({common[0][1]} of {len(picks)} folds)") if common else ""
    return {"method": method.name, "most_common_pick": pick, "macro_f1": a[:, 0].mean(), "macro_f1_sd": a[:, 0].std(),
            "f_avg": a[:, 1].mean(), "f_avg_sd": a[:, 1].std(), "accuracy": a[:, 2].mean(),
            "fold_macro_f1_min": min(fold_f1), "fold_macro_f1_max": max(fold_f1)}


def held_out(method: Method, train: pd.DataFrame, test: pd.DataFrame) -> dict:
    """Fit on ``train`` cells only and score ``test`` cells: a held-out figure, no folds."""
    method.fit(train)
    r = _score(test, method.predict(test))
    picks = getattr(method, "picks", [])
    pick = ", ".join(f"{n} {v}" for n, v in zip(method.pick_names, picks[-1])) if picks else ""
    method.picks = []
    return {"method": method.name, "pick": pick, "macro_f1": r.macro_f1, "f_avg": r.f_avg, "accuracy": r.accuracy,
            "f1_favor": r.f1["favor"], "f1_against": r.f1["against"]}


def extra_rows(sent: pd.DataFrame, cells: pd.DataFrame, extra: pd.DataFrame, k: int, repeats: int) -> None:
    """Print the methods fitted with the extra cells: held out (fit on them alone) and CV (added to each fold)."""
    def methods():
        return [shipped_grid(sent, "shipped grid: mean, prior, contrast, threshold"),
                Head(sent, name="head, 15 raw-score features"),
                Head(sent, name="head, + 11 contrast features", features=ALL_FEATURES),
                Head(sent, name="head, + 11 contrast features, unweighted classes", features=ALL_FEATURES,
                     class_weight="none")]
    print(f"fitted on the {len(extra)} extra cells ({extra['doc_id'].nunique()} documents) alone, "
          f"scored on all {len(cells)} cells:")
    print_rows([held_out(m, extra, cells) for m in methods()])
    print(f"{k}-fold CV x {repeats} over the {cells['doc_id'].nunique()} documents, the extra cells in every training fold:")
    print_rows([cross_validate(m, cells, k, repeats, extra) for m in methods()])


def calibration_cells(settings) -> pd.DataFrame:
    """Dev gold cells with the shipped labels and the raw confidence (bootstrap agreement)."""
    _, cells, _ = evaluate_documents("allsides-dev", settings)
    raw = cells["agreement"] if "agreement" in cells else cells["confidence"]
    return pd.DataFrame({"doc_id": cells["doc_id"], "target": cells["target"], "label": cells["label"],
                         "score": cells["score"], "n_sentences": cells["n_sentences"].fillna(0),
                         "confidence": raw.fillna(1.0).astype(float), "correct": cells["correct"]})


def reliability_report(cells: pd.DataFrame, threshold: float, k: int, repeats: int) -> dict:
    """Raw vs cross-validated calibrated reliability of the document confidence on the dev gold."""
    raw_table, raw_ece = reliability(cells["confidence"].tolist(), cells["correct"].tolist())
    docs = np.array(sorted(cells["doc_id"].unique()))
    pooled_conf: list[float] = []
    pooled_right: list[bool] = []
    eces = []
    for rep in range(repeats):
        perm = np.random.default_rng(rep).permutation(docs)
        conf = cells["confidence"].copy()
        for f in np.array_split(perm, k):
            test = cells["doc_id"].isin(f)
            train = cells[~test]
            cal = fit_calibrator(train, train["correct"].tolist(), threshold)
            conf[test] = apply_calibration(cells[test], cal, threshold)["confidence"]
        eces.append(reliability(conf.tolist(), cells["correct"].tolist())[1])
        pooled_conf += conf.tolist()
        pooled_right += cells["correct"].tolist()
    cal_table, _ = reliability(pooled_conf, pooled_right)
    cal_table["n"] = cal_table["n"] / repeats
    return {"raw": raw_table, "raw_ece": raw_ece, "calibrated": cal_table,
            "calibrated_ece": float(np.mean(eces)), "calibrated_ece_sd": float(np.std(eces))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="NLI model (default: the configured offline default)")
    ap.add_argument("--context", choices=["sentence", "window"])
    ap.add_argument("--gold", default="allsides-dev", choices=["allsides-dev", "allsides-silver", "allsides-dev+allsides-silver"],
                    help="document gold to cross-validate on (default: the dev gold)")
    ap.add_argument("--extra", choices=["allsides-train"],
                    help="another gold whose cells join every training fold (and alone give a held-out row)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--save", help="fit the head on all dev cells and write it to this JSON path")
    ap.add_argument("--json", help="write the table as JSON here")
    ap.add_argument("--reliability", action="store_true",
                    help="only the reliability of the shipped labels' confidence: raw vs cross-validated calibration")
    ap.add_argument("--weights-grid", action="store_true",
                    help="only the reported-speech and headline weight rows, each with contrast, prior and threshold tuned")
    ap.add_argument("--score-variants", nargs="*", choices=list(VARIANTS), metavar="VARIANT",
                    help="only rows that change how sentence scores are transformed or averaged, with the shipped "
                         f"grid: all of them, or those named ({', '.join(VARIANTS)})")
    ap.add_argument("--save-calibration", metavar="PATH",
                    help="with --reliability: fit the confidence calibrator on all dev cells and write it here")
    args = ap.parse_args(argv)
    if args.gold != "allsides-dev" and (args.save or args.reliability):
        # the head and the calibrator record the dev gold as what they were fitted on
        ap.error("--save and --reliability fit on the dev gold only; leave out --gold")
    settings = load_settings(overrides={"model": args.model, "context": args.context})
    if args.reliability:
        thr = settings.aggregate.neutral_threshold
        cal_cells = calibration_cells(settings)
        rep = reliability_report(cal_cells, thr, args.folds, args.repeats)
        print(f"model {settings.resolved_model()}, shipped labels (threshold {thr}), {len(cal_cells)} dev cells")
        print(f"raw confidence (bootstrap agreement): ECE {rep['raw_ece']:.3f}")
        print(rep["raw"].round(3).to_string(index=False))
        print(f"calibrated, {args.folds}-fold CV x {args.repeats} (out-of-fold): "
              f"ECE {rep['calibrated_ece']:.3f} ± {rep['calibrated_ece_sd']:.3f} (n per bin averaged over repeats)")
        print(rep["calibrated"].round(3).to_string(index=False))
        if args.save_calibration:
            cal = fit_calibrator(cal_cells, cal_cells["correct"].tolist(), thr)
            from stance.scoring.nli import model_fingerprint
            cal.info = {"model_fingerprint": model_fingerprint(settings.resolved_model()), "neutral_threshold": thr,
                        # the engine applies the calibrator only to labels made with these settings
                        "aggregate": settings.aggregate.label_settings(),
                        "trained_on": "allsides_dev_gold (39 articles x 3 targets), cells that name the target",
                        "cv_ece": rep["calibrated_ece"], "raw_ece": rep["raw_ece"]}
            cal.save(args.save_calibration)
            print(f"wrote {args.save_calibration}")
        return 0
    if args.extra:
        cells, sent = dev_tables(settings, gold_set=f"{args.gold}+{args.extra}")
        extra_ids = set(load_document_gold(args.extra)[0]["doc_id"])
        is_extra = cells["doc_id"].isin(extra_ids)
        print(f"gold {args.gold}, model {settings.resolved_model()}")
        extra_rows(sent, cells[~is_extra].reset_index(drop=True), cells[is_extra].reset_index(drop=True),
                   args.folds, args.repeats)
        return 0
    cells, sent = dev_tables(settings, gold_set=args.gold)
    agg = settings.aggregate
    if args.weights_grid:
        # the shipped contrast-and-prior grid with one sentence weight changed at a time
        weights = [(0.0001, 1.0, "own voice only (attributed sentences dropped)"),
                   (0.5, 1.0, "quotes x0.5"), (1.0, 2.0, "headline + lead x2")]
        rows = [cross_validate(shipped_grid(sent, f"{label}, contrast, prior and threshold tuned", q, h),
                               cells, args.folds, args.repeats) for q, h, label in weights]
        print_rows(rows)
        return 0
    if args.score_variants is not None:
        shipped = shipped_grid(sent, "shipped: mean, neutral prior, contrast (all three tuned)")
        rows = [cross_validate(m, cells, args.folds, args.repeats)
                for m in [shipped, *(VariantThreshold(sent, v) for v in args.score_variants or VARIANTS)]]
        print_rows(rows)
        return 0
    methods = [
        Trivial(),
        MeanThreshold(sent, name="simplest: mean p(favor)-p(against), threshold 0.15"),
        MeanThreshold(sent, tune=True, name="mean, threshold tuned"),
        MeanThreshold(sent, agg.quote_weight, agg.headline_weight, tune=True,
                      name=f"weighted mean (quotes x{agg.quote_weight}, headline x{agg.headline_weight}), threshold tuned"),
        MeanThreshold(sent, 0.0001, agg.headline_weight, tune=True, name="own voice only, threshold tuned"),
        MeanThreshold(sent, tune=True, priors=PRIORS,
                      name="mean with neutral prior (pseudo-sentences and threshold tuned)"),
        shipped_grid(sent, "mean, neutral prior, contrast between targets (all three tuned)"),
        MeanThreshold(sent, tune=True, priors=PRIORS, contrasts=CONTRASTS, strengths=STRENGTHS,
                      name="mean, neutral prior, contrast, strength weight (all four tuned)"),
        MeanThreshold(sent, agg.quote_weight, agg.headline_weight, tune=True, symmetric=False,
                      name="weighted mean, separate favor/against thresholds tuned"),
        Head(sent, name="calibrated head (logistic, l2 chosen by inner CV)"),
    ]
    rows = [cross_validate(m, cells, args.folds, args.repeats) for m in methods]
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(f"gold {args.gold}, model {settings.resolved_model()}, context {settings.context}, "
              f"{args.folds}-fold CV over {cells['doc_id'].nunique()} documents x {args.repeats} repeats")
        print(table.round(3).to_string(index=False))
    for m in methods:
        if isinstance(m, MeanThreshold) and m.tune and len(m.by_key) > 1:
            m.fit(cells)  # on all dev cells: what the defaults would be if this row shipped
            print(f"fitted on all {len(cells)} cells, '{m.name}' picks contrast {m.key[0]}, prior {m.key[1]}, "
                  f"strength {m.key[2]}, threshold {m.lo}")
    if args.json:
        Path(args.json).write_text(table.to_json(orient="records", indent=1))
    if args.save:
        head_m = methods[-1]
        head_m.fit(cells)
        head = head_m.head
        from stance.scoring.nli import model_fingerprint
        head.info = {"model_fingerprint": model_fingerprint(settings.resolved_model()),
                     "trained_on": "allsides_dev_gold (39 articles x 3 targets), mentioned cells",
                     "cv": rows[-1]}
        head.save(args.save)
        print(f"wrote {args.save} (l2={head.l2})")
    print(json.dumps({"cells": len(cells), "mentioned": int(cells["mentioned"].sum())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
