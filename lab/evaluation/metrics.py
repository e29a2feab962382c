"""Classification metrics for stance: accuracy, per-label F1, macro-F1, F_avg, confusion.

Written out by hand (no scikit-learn dependency) and tested on hand-computed cases. Gold
labels may hold alternatives ``"a|b"`` (two readers disagreed): a prediction equal to
either counts as right, and for the per-label counts the gold is taken to be the
prediction when it is one of the alternatives, else the first alternative.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


def resolve_gold(gold: list[str], pred: list[str]) -> list[str]:
    """Resolve split gold labels ``a|b`` against predictions (see module docstring)."""
    out = []
    for g, p in zip(gold, pred):
        options = str(g).split("|")
        out.append(p if p in options else options[0])
    return out


@dataclass
class Report:
    """Scores of one evaluation; ``labels`` fixes the order of the confusion matrix."""

    labels: list[str]
    n: int
    accuracy: float
    f1: dict[str, float]
    precision: dict[str, float]
    recall: dict[str, float]
    macro_f1: float
    f_avg: float
    confusion: pd.DataFrame = field(repr=False)

    def summary(self) -> str:
        """Return a plain-text report: headline figures, per-label F1 and the confusion matrix."""
        lines = [f"n={self.n}  accuracy={self.accuracy:.3f}  macro-F1={self.macro_f1:.3f}  F_avg={self.f_avg:.3f}",
                 "per label: " + "  ".join(f"{lab} P={self.precision[lab]:.2f} R={self.recall[lab]:.2f} "
                                           f"F1={self.f1[lab]:.2f}" for lab in self.labels),
                 "confusion (rows gold, columns predicted):", self.confusion.to_string()]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        """Return the figures as a JSON-ready dict (confusion as nested dict)."""
        return {"n": self.n, "accuracy": self.accuracy, "macro_f1": self.macro_f1, "f_avg": self.f_avg,
                "f1": self.f1, "precision": self.precision, "recall": self.recall,
                "confusion": self.confusion.to_dict()}


def evaluate_labels(gold: list[str], pred: list[str], labels: list[str],
                    f_avg_labels: tuple[str, str] = ("favor", "against")) -> Report:
    """Score predictions against gold.

    Takes gold labels (alternatives ``a|b`` allowed), predicted labels and the label set
    (macro-F1 averages F1 over ``labels``); returns a :class:`Report`. F_avg is the mean F1
    of ``f_avg_labels`` (the SemEval-2016 measure). A label never predicted nor gold has
    F1 0 (it still counts in the macro average, as in SemEval scoring).
    """
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} labels, predictions {len(pred)}")
    g = resolve_gold(gold, pred)
    n = len(g)
    # counted in plain Python: cross-validation calls this thousands of times
    pairs = Counter(zip(g, pred))
    conf = pd.DataFrame([[pairs.get((a, b), 0) for b in labels] for a in labels],
                        index=pd.Index(labels, name="gold"), columns=pd.Index(labels, name="pred"))
    n_pred, n_gold = Counter(pred), Counter(g)
    precision, recall, f1 = {}, {}, {}
    for lab in labels:
        tp = pairs[(lab, lab)]
        p = tp / n_pred[lab] if n_pred[lab] else 0.0
        r = tp / n_gold[lab] if n_gold[lab] else 0.0
        precision[lab], recall[lab] = p, r
        f1[lab] = 2 * p * r / (p + r) if p + r else 0.0
    acc = sum(c for (a, b), c in pairs.items() if a == b) / n if n else 0.0
    macro = sum(f1.values()) / len(labels) if labels else 0.0
    f_avg = sum(f1.get(lab, 0.0) for lab in f_avg_labels) / len(f_avg_labels)
    return Report(list(labels), n, acc, f1, precision, recall, macro, f_avg, conf)


def reliability(confidence: list[float], correct: list[bool],
                edges: tuple[float, ...] = (0.0, 0.5, 0.7, 0.9, 1.0)) -> tuple[pd.DataFrame, float]:
    """Bin predictions by stated confidence and compare it with how often they were right.

    Takes each prediction's confidence in [0, 1] and whether it was right, and the bin
    edges (the last bin includes 1.0); returns (table with ``bin, n, mean_confidence,
    accuracy, gap`` per non-empty bin, expected calibration error = the n-weighted mean
    of |accuracy − mean confidence|). A calibrated confidence has gaps near zero.
    """
    if len(confidence) != len(correct):
        raise ValueError(f"{len(confidence)} confidences but {len(correct)} outcomes")
    rows = []
    total, ece = len(confidence), 0.0
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        last = i == len(edges) - 2
        idx = [k for k, c in enumerate(confidence) if lo <= c < hi or (last and c == hi)]
        if not idx:
            continue
        mean_c = sum(confidence[k] for k in idx) / len(idx)
        acc = sum(1 for k in idx if correct[k]) / len(idx)
        rows.append({"bin": f"[{lo:.2f}, {hi:.2f}{']' if last else ')'}", "n": len(idx),
                     "mean_confidence": mean_c, "accuracy": acc, "gap": acc - mean_c})
        ece += len(idx) / total * abs(acc - mean_c)
    return pd.DataFrame(rows, columns=["bin", "n", "mean_confidence", "accuracy", "gap"]), ece


def cohen_kappa(a, b) -> float:
    """Return Cohen's kappa of two label sequences over the same cells (1 = perfect, 0 = chance)."""
    a, b = np.asarray(list(a), dtype=object), np.asarray(list(b), dtype=object)
    observed = float((a == b).mean())
    expected = sum(float((a == lab).mean()) * float((b == lab).mean()) for lab in set(a) | set(b))
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0
