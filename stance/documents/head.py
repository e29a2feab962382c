"""A small calibrated model that turns a document's sentence scores into its stance label.

Averaging sentence scores with a threshold misreads news: most sentences that name a
target are neutral reporting, quoted actors' criticism reads as "against", and favour is
expressed rarely and mildly. The head looks at a few summary features of the sentences
that name the target (own voice and reported speech separately, headline, strongest
sentences, how often the target is named) and is a multinomial logistic regression over
favor / against / neutral, L2-regularised and trained only on dev/train data. Its
probabilities are the document label's confidence; its ``P(favor) − P(against)`` is the
document's signed score.

The head is plain numpy (no scikit-learn at run time) and is stored as JSON next to the
model it was fitted on (``doc_head.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

CLASSES = ["favor", "against", "neutral"]
FEATURES = [
    "mean_score", "own_mean_score", "quoted_mean_score", "headline_score",
    "mean_p_favor", "mean_p_against", "max_p_favor", "max_p_against",
    "share_strong_favor", "share_strong_against", "log_n_sentences", "share_attributed",
    "target_Iran", "target_United States", "target_Israel",
]
#: Features of the scores after the contrast between targets (the engine's ``score`` column).
#: They extend :data:`FEATURES` for heads fitted on more than the dev gold; a head stores the
#: features it uses, so heads fitted on the first list still load.
CONTRAST_FEATURES = [
    "contrast_mean", "contrast_shrunk", "contrast_min", "contrast_max", "contrast_share_neg",
    "contrast_share_pos", "contrast_headline", "contrast_own_mean",
    "shrunk_x_Iran", "shrunk_x_United States", "shrunk_x_Israel",
]
ALL_FEATURES = FEATURES + CONTRAST_FEATURES
#: Neutral pseudo-sentences in ``contrast_shrunk`` (the shipped ``prior_sentences``).
SHRINK = 5.0
#: Targets with a prior of their own (news treats them differently); other targets get none.
PRIOR_TARGETS = ("Iran", "United States", "Israel")
STRONG = 0.5


def document_features(sentences: pd.DataFrame) -> pd.DataFrame:
    """Summarise each (doc_id, target)'s scored sentences into the head's features.

    Takes the sentence table (``doc_id, target, position, cue, p_favor, p_against, score`` and,
    when the contrast between targets was applied, ``raw_score``); returns a DataFrame indexed by
    (doc_id, target) with the columns in ``ALL_FEATURES``. Missing groups (no own-voice or no
    quoted sentence, no headline) fall back to the overall mean.
    """
    # the head was fitted on the model's own scores, before any contrast between targets
    raw = sentences["raw_score"] if "raw_score" in sentences else sentences["score"]
    cs = sentences["score"].astype(float)
    s = sentences.assign(score=raw, cs=cs, own=sentences["cue"].fillna("") == "",
                         head=sentences["position"].isin(["headline", "lead"]),
                         strong_favor=sentences["p_favor"] > STRONG, strong_against=sentences["p_against"] > STRONG,
                         cs_neg=cs < -0.3, cs_pos=cs > 0.3)
    g = s.groupby(["doc_id", "target"], sort=False)
    f = pd.DataFrame({
        "mean_score": g["score"].mean(),
        "mean_p_favor": g["p_favor"].mean(),
        "mean_p_against": g["p_against"].mean(),
        "max_p_favor": g["p_favor"].max(),
        "max_p_against": g["p_against"].max(),
        "share_strong_favor": g["strong_favor"].mean(),
        "share_strong_against": g["strong_against"].mean(),
        "log_n_sentences": np.log1p(g.size()),
        "share_attributed": 1 - g["own"].mean(),
    })
    f["own_mean_score"] = s[s["own"]].groupby(["doc_id", "target"])["score"].mean()
    f["quoted_mean_score"] = s[~s["own"]].groupby(["doc_id", "target"])["score"].mean()
    f["headline_score"] = s[s["head"]].groupby(["doc_id", "target"])["score"].mean()
    for col in ("own_mean_score", "quoted_mean_score", "headline_score"):
        f[col] = f[col].fillna(f["mean_score"])
    f["contrast_mean"] = g["cs"].mean()
    f["contrast_shrunk"] = g["cs"].sum() / (g.size() + SHRINK)
    f["contrast_min"] = g["cs"].min()
    f["contrast_max"] = g["cs"].max()
    f["contrast_share_neg"] = g["cs_neg"].mean()
    f["contrast_share_pos"] = g["cs_pos"].mean()
    f["contrast_headline"] = s[s["head"]].groupby(["doc_id", "target"])["cs"].mean()
    f["contrast_own_mean"] = s[s["own"]].groupby(["doc_id", "target"])["cs"].mean()
    for col in ("contrast_headline", "contrast_own_mean"):
        f[col] = f[col].fillna(f["contrast_mean"])
    targets = f.index.get_level_values("target")
    for t in PRIOR_TARGETS:
        f[f"target_{t}"] = (targets == t).astype(float)
        f[f"shrunk_x_{t}"] = f[f"target_{t}"] * f["contrast_shrunk"]
    return f[ALL_FEATURES].astype(float)


@dataclass
class DocHead:
    """Multinomial logistic regression over standardised features (see module docstring)."""

    features: list[str] = field(default_factory=lambda: list(FEATURES))
    classes: list[str] = field(default_factory=lambda: list(CLASSES))
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)
    weights: list[list[float]] = field(default_factory=list)  # (n_features, n_classes)
    bias: list[float] = field(default_factory=list)
    l2: float = 1.0
    class_weight: str = "balanced"
    info: dict = field(default_factory=dict)

    def _x(self, X: pd.DataFrame) -> np.ndarray:
        return (X[self.features].to_numpy(float) - np.array(self.mean)) / np.array(self.std)

    def fit(self, X: pd.DataFrame, y: list[str], steps: int = 500, lr: float = 0.5) -> DocHead:
        """Fit on features ``X`` and labels ``y`` (full-batch gradient descent); returns self."""
        arr = X[self.features].to_numpy(float)
        self.mean = arr.mean(axis=0).tolist()
        self.std = np.where(arr.std(axis=0) > 1e-9, arr.std(axis=0), 1.0).tolist()
        xs = self._x(X)
        yi = np.array([self.classes.index(v) for v in y])
        onehot = np.eye(len(self.classes))[yi]
        counts = onehot.sum(axis=0)
        if self.class_weight == "balanced":
            cw = len(yi) / (len(self.classes) * np.maximum(counts, 1))
        else:
            cw = np.ones(len(self.classes))
        sw = cw[yi]
        w = np.zeros((xs.shape[1], len(self.classes)))
        b = np.log(np.maximum(counts, 1) / counts.sum())
        n = sw.sum()
        for _ in range(steps):
            p = _softmax(xs @ w + b)
            grad = (p - onehot) * sw[:, None]
            w -= lr * (xs.T @ grad / n + self.l2 * w / n)
            b -= lr * grad.sum(axis=0) / n
        self.weights, self.bias = w.tolist(), b.tolist()
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Return (n, 3) probabilities in ``classes`` order."""
        return _softmax(self._x(X) @ np.array(self.weights) + np.array(self.bias))

    def predict(self, X: pd.DataFrame) -> list[str]:
        """Return the most probable class for each row."""
        return [self.classes[i] for i in self.predict_proba(X).argmax(axis=1)]

    def save(self, path: str | Path) -> None:
        """Write the head as JSON."""
        Path(path).write_text(json.dumps(self.__dict__, indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> DocHead:
        """Read a head written by :meth:`save`."""
        return cls(**json.loads(Path(path).read_text()))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
