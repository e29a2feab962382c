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
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from lab.evaluation.evaluate import evaluate_documents
from lab.evaluation.golds import load_document_gold
from lab.evaluation.metrics import evaluate_labels, reliability
from stance.documents.calibration import apply_calibration, fit_calibrator
from stance.documents.head import ALL_FEATURES, FEATURES, DocHead, document_features
from stance.documents.rule import DocumentRule, other_targets_mean
from stance.engines.local import label_corpus
from stance.settings import DOC_LABELS, load_settings
from stance.text.attribution import ATTRIBUTION

THRESHOLDS = [0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
PRIORS = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0]
CONTRASTS = [0.0, 0.5, 0.75, 1.0, 1.25, 1.5]
STRENGTHS = [0.0, 0.5, 1.0, 1.5]
L2S = [0.3, 1.0, 3.0, 10.0, 30.0]


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


def _first(g: str) -> str:
    return str(g).split("|")[0]


def _weighted_mean(sent: pd.DataFrame, quote_w: float, head_w: float, prior: float = 0.0,
                   contrast: float = 0.0, strength: float = 0.0) -> pd.Series:
    # the same contrast and weights the engine applies, from the model's raw scores
    rule = DocumentRule(prior_sentences=prior, contrast_weight=contrast, quote_weight=quote_w, headline_weight=head_w,
                        strength_weight=strength)
    return rule.document_scores(rule.scored(sent))


def _labels_from_scores(cells: pd.DataFrame, scores: pd.Series, lo: float, hi: float) -> list[str]:
    out = []
    for r in cells.itertuples():
        if not r.mentioned:
            out.append("not_mentioned")
            continue
        s = scores.get((r.doc_id, r.target), 0.0)
        out.append("favor" if s > hi else "against" if s < -lo else "neutral")
    return out


def _score(cells: pd.DataFrame, pred: list[str]):
    return evaluate_labels(cells["gold"].tolist(), pred, list(DOC_LABELS))


class Method:
    """A document-labelling method: ``fit(train_cells)`` then ``predict(test_cells)``."""

    name = ""
    pick_names = ("contrast", "prior", "strength", "threshold")

    def fit(self, cells: pd.DataFrame) -> None:  # noqa: D401
        pass

    def predict(self, cells: pd.DataFrame) -> list[str]:
        raise NotImplementedError


class Trivial(Method):
    name = "trivial: neutral whenever named"

    def predict(self, cells):
        return ["neutral" if m else "not_mentioned" for m in cells["mentioned"]]


class MeanThreshold(Method):
    def __init__(self, sent, quote_w=1.0, head_w=1.0, tune=False, symmetric=True, fixed=0.15, name="",
                 priors=(0.0,), contrasts=(0.0,), strengths=(0.0,), by_key: dict | None = None):
        # one score series per candidate (contrast, prior, strength), tuned with the threshold;
        # ``by_key`` gives ready series instead (keys of three values, the threshold tuned alongside)
        self.by_key = by_key or {(c, k, g): _weighted_mean(sent, quote_w, head_w, k, c, g)
                                 for c in contrasts for k in priors for g in strengths}
        self.key = next(iter(self.by_key))
        self.tune, self.symmetric, self.lo, self.hi = tune, symmetric, fixed, fixed
        self.name = name
        self.picks: list[tuple] = []  # (contrast, prior, strength, threshold) chosen in each fold

    def fit(self, cells):
        if not self.tune:
            return
        best = (-1.0, self.key, self.lo, self.hi)
        pairs = [(t, t) for t in THRESHOLDS] if self.symmetric else list(itertools.product(THRESHOLDS, THRESHOLDS))
        for key, scores in self.by_key.items():
            for lo, hi in pairs:
                r = _score(cells, _labels_from_scores(cells, scores, lo, hi))
                if r.macro_f1 > best[0]:
                    best = (r.macro_f1, key, lo, hi)
        _, self.key, self.lo, self.hi = best
        self.picks.append((*self.key, self.lo))

    def predict(self, cells):
        return _labels_from_scores(cells, self.by_key[self.key], self.lo, self.hi)


def shipped_grid(sent: pd.DataFrame, name: str, quote_w: float = 1.0, head_w: float = 1.0) -> MeanThreshold:
    """The shipped row's method: contrast, neutral prior and threshold tuned together."""
    return MeanThreshold(sent, quote_w, head_w, tune=True, priors=PRIORS, contrasts=CONTRASTS, name=name)


def print_rows(rows: list[dict]) -> None:
    """Print cross-validation rows as one table."""
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(pd.DataFrame(rows).round(3).to_string(index=False))


class Head(Method):
    pick_names = ("l2",)

    def __init__(self, sent, l2=None, name="", class_weight="balanced", features=FEATURES):
        self.X = document_features(sent)
        self.l2, self.name, self.class_weight, self.features = l2, name, class_weight, list(features)
        self.head: DocHead | None = None
        self.picks: list[tuple] = []

    def _train(self, cells, l2):
        c = cells[cells["mentioned"]]
        y = [_first(g) if _first(g) != "not_mentioned" else "neutral" for g in c["gold"]]
        X = self.X.loc[list(zip(c["doc_id"], c["target"]))]
        return DocHead(features=self.features, l2=l2, class_weight=self.class_weight).fit(X, y)

    def fit(self, cells):
        if self.l2 is not None:
            self.head = self._train(cells, self.l2)
            return
        # inner CV over documents to choose the regularisation
        docs = np.array(cells["doc_id"].unique(), dtype=object)
        rng = np.random.default_rng(1)
        rng.shuffle(docs)
        folds = np.array_split(docs, 3)
        best = (-1.0, L2S[0])
        for l2 in L2S:
            preds, golds = [], []
            for f in folds:
                tr, te = cells[~cells["doc_id"].isin(f)], cells[cells["doc_id"].isin(f)]
                h = self._train(tr, l2)
                preds += self._predict_with(h, te)
                golds += te["gold"].tolist()
            m = evaluate_labels(golds, preds, list(DOC_LABELS)).macro_f1
            if m > best[0]:
                best = (m, l2)
        self.head = self._train(cells, best[1])
        self.picks.append((best[1],))

    def _predict_with(self, head, cells):
        out = ["not_mentioned"] * len(cells)
        idx = [i for i, m in enumerate(cells["mentioned"]) if m]
        if idx:
            keys = [(cells["doc_id"].iloc[i], cells["target"].iloc[i]) for i in idx]
            for i, lab in zip(idx, head.predict(self.X.loc[keys])):
                out[i] = lab
        return out

    def predict(self, cells):
        return self._predict_with(self.head, cells)


VARIANTS = {
    # name: (description, values of its parameter a)
    "clip": ("sentence scores clipped to ±a and rescaled", (0.3, 0.5, 0.7)),
    "vote": ("sentence votes: +1 / -1 beyond ±a, else 0", (0.2, 0.4, 0.6)),
    "tanh": ("tanh(a x sentence score)", (2.0, 4.0)),
    "log_odds": ("log(p_favor / p_against) / a, clipped, instead of the difference", (2.0, 4.0, 8.0)),
    "capped_contrast": ("contrast shift capped at ±a", (0.3, 0.5, 0.7)),
    "sum_power": ("weighted sum / (weights + prior) ** a: long documents count more", (0.5, 0.75)),
    "top_k": ("mean of the a strongest sentences (largest |score|) only", (1, 3, 5, 8)),
    "target_speaks": ("sentences whose speaker is the target ('Iran denied ...') weighted a", (0.0, 0.5)),
}


def target_speaks(sent: pd.DataFrame, max_gap: int = 4) -> np.ndarray:
    """True where the row's target is the speaker: one of its aliases comes at most ``max_gap``
    words before the sentence's attribution phrase ("Iran denies ...", "Rouhani criticized ...")."""
    out = []
    for text, aliases in zip(sent["sentence"].astype(str), sent["aliases"].astype(str)):
        cue = ATTRIBUTION.search(text)
        first = min((i for i in (text.find(a) for a in aliases.split(";") if a) if i >= 0), default=-1)
        out.append(bool(cue) and 0 <= first < cue.start() and len(text[first:cue.start()].split()) <= max_gap)
    return np.array(out, dtype=bool)


def variant_scores(sent: pd.DataFrame, variant: str, a: float, contrast: float, prior: float) -> pd.Series:
    """Document scores of the shipped mean with one change (see :data:`VARIANTS`); a grid point."""
    rule = DocumentRule(prior_sentences=prior, contrast_weight=contrast)
    w = rule.sentence_weights(sent["position"], sent["cue"] != "", sent["p_neutral"])
    if variant == "target_speaks":
        w = np.where(target_speaks(sent), a, 1.0) * w
    raw = sent["raw_score"].astype(float)
    if variant == "log_odds":
        raw = np.clip(np.log((sent["p_favor"] + 1e-4) / (sent["p_against"] + 1e-4)) / a, -1.0, 1.0)
    if variant == "capped_contrast":
        others, n = other_targets_mean(sent)
        s = np.where(n > 1, np.clip(raw - np.clip(contrast * others, -a, a), -1.0, 1.0), raw)
    else:
        s = rule.sentence_scores(sent.assign(raw_score=raw))
    if variant == "clip":
        s = np.clip(s, -a, a) / a
    elif variant == "vote":
        s = np.where(s > a, 1.0, np.where(s < -a, -1.0, 0.0))
    elif variant == "tanh":
        s = np.tanh(a * s)
    if variant == "sum_power":
        d = sent.assign(ws=w * s, w=w).groupby(["doc_id", "target"])
        return d["ws"].sum() / (d["w"].sum() + prior) ** a
    if variant == "top_k":
        strongest = (sent.assign(score=s, weight=w, strength=np.abs(s)).sort_values("strength", ascending=False)
                     .groupby(["doc_id", "target"]).head(int(a)))
        return rule.document_scores(strongest)
    return rule.document_scores(sent.assign(score=s, weight=w))


class VariantThreshold(MeanThreshold):
    """The shipped grid (contrast, prior, threshold) plus one variant parameter ``a``, tuned together."""

    pick_names = ("contrast", "prior", "a", "threshold")

    def __init__(self, sent, variant: str):
        desc, values = VARIANTS[variant]
        super().__init__(sent, tune=True, name=f"{desc}, with contrast, prior and threshold tuned",
                         by_key={(c, k, a): variant_scores(sent, variant, a, c, k)
                                 for c in CONTRASTS for k in PRIORS for a in values})


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
