"""Document rules to compare on a gold set: each fits on training cells and predicts labels for others.

Every rule scores documents through :class:`stance.documents.rule.DocumentRule`, the engine's own rule.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from lab.evaluation.metrics import evaluate_labels
from stance.documents.head import FEATURES, DocHead, document_features
from stance.documents.rule import DocumentRule, other_targets_mean
from stance.settings import DOC_LABELS
from stance.text.attribution import ATTRIBUTION

THRESHOLDS = [0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
PRIORS = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0]
CONTRASTS = [0.0, 0.5, 0.75, 1.0, 1.25, 1.5]
STRENGTHS = [0.0, 0.5, 1.0, 1.5]
L2S = [0.3, 1.0, 3.0, 10.0, 30.0]


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
