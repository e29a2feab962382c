"""Make a document label's confidence mean "how often a label like this is right".

The raw confidence of the mean-and-threshold rule is bootstrap agreement over the
document's sentences (``stance.documents.aggregate``). It says how stable the label is, not how
often it is right: measured on the AllSides dev gold, labels stated at 0.99 agreement were
right 79% of the time. A calibrator is a two-class logistic regression (``DocHead`` with
classes wrong/right, no class weighting, so its probabilities keep the base rate) over a
few properties of the document row, fitted on gold cells (dev data only). Applied, it
replaces ``confidence`` with P(label right) for documents that name the target and keeps
the raw value as ``agreement``. A calibrator lives beside the model it was fitted for
(:mod:`stance.documents.fitted`); without one the confidence stays the raw agreement and
``run.json`` says so. ``python -m stance calibrate`` fits one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stance.documents.head import DocHead

FEATURES = ["agreement", "distance_to_threshold", "log_n_sentences", "label_neutral"]
CLASSES = ["wrong", "right"]


def confidence_features(documents: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Return the calibrator's features for document rows that name the target.

    Takes the document table (``label, score, confidence`` or ``agreement``,
    ``n_sentences``) and the neutral threshold the labels were made with; returns a frame
    with the columns in ``FEATURES`` on the same index (not-mentioned rows dropped).
    """
    rows = documents[documents["label"] != "not_mentioned"]
    agreement = rows["agreement"] if "agreement" in rows else rows["confidence"]
    score = rows["score"].astype(float)
    return pd.DataFrame({
        "agreement": agreement.astype(float),
        "distance_to_threshold": np.minimum((score - threshold).abs(), (score + threshold).abs()),
        "log_n_sentences": np.log1p(rows["n_sentences"].astype(float)),
        "label_neutral": (rows["label"] == "neutral").astype(float),
    }, index=rows.index)


def fit_calibrator(documents: pd.DataFrame, correct: list[bool], threshold: float, l2: float = 1.0) -> DocHead:
    """Fit P(right) on document rows that name the target and whether each label was right."""
    X = confidence_features(documents, threshold)
    keep = documents["label"] != "not_mentioned"
    y = ["right" if c else "wrong" for c, k in zip(correct, keep, strict=True) if k]
    return DocHead(features=list(FEATURES), classes=list(CLASSES), l2=l2, class_weight="none").fit(X, y)


def apply_calibration(documents: pd.DataFrame, calibrator: DocHead, threshold: float) -> pd.DataFrame:
    """Return a copy with ``confidence`` = calibrated P(right) and ``agreement`` = the raw confidence.

    Rows whose target is not mentioned keep confidence 1.0 (no stance is claimed).
    """
    out = documents.copy()
    if "agreement" not in out:
        out["agreement"] = out["confidence"]
    X = confidence_features(out, threshold)
    if len(X):
        out.loc[X.index, "confidence"] = calibrator.predict_proba(X)[:, CLASSES.index("right")]
    return out
