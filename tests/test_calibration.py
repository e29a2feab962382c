"""Confidence calibration: fitted on hand-made document rows, applied by the pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stance import pipeline
from stance.calibration import apply_calibration, calibration_path, confidence_features, fit_calibrator
from stance.metrics import reliability


def _rows(n: int, seed: int = 0) -> tuple[pd.DataFrame, list[bool]]:
    """Rows whose labels are right more often the further the score is from the threshold."""
    rng = np.random.default_rng(seed)
    score = rng.uniform(-0.8, 0.8, n)
    label = np.where(score > 0.25, "favor", np.where(score < -0.25, "against", "neutral"))
    dist = np.minimum(abs(score - 0.25), abs(score + 0.25))
    right = rng.uniform(size=n) < 0.45 + dist  # P(right) grows with the distance
    docs = pd.DataFrame({"label": label, "score": score, "confidence": 0.99, "n_sentences": 5})
    return docs, right.tolist()


def test_features_drop_not_mentioned_and_measure_distance():
    docs = pd.DataFrame({"label": ["against", "not_mentioned", "neutral"], "score": [-0.45, np.nan, 0.05],
                         "confidence": [0.9, 1.0, 0.7], "n_sentences": [3, 0, 1]})
    f = confidence_features(docs, 0.25)
    assert f.index.tolist() == [0, 2]
    assert np.allclose(f["distance_to_threshold"], [0.20, 0.20])
    assert f["label_neutral"].tolist() == [0.0, 1.0]
    assert np.allclose(f["log_n_sentences"], np.log1p([3, 1]))


def test_calibrator_learns_distance_and_beats_raw_confidence():
    train, right = _rows(600)
    cal = fit_calibrator(train, right, 0.25)
    test, test_right = _rows(600, seed=1)
    out = apply_calibration(test, cal, 0.25)
    assert (out["agreement"] == 0.99).all()
    far = out["confidence"][abs(abs(test["score"]) - 0.25) > 0.4].mean()
    near = out["confidence"][abs(abs(test["score"]) - 0.25) < 0.05].mean()
    assert far > near + 0.2
    _, raw_ece = reliability(test["confidence"].tolist(), test_right)
    _, cal_ece = reliability(out["confidence"].tolist(), test_right)
    assert cal_ece < raw_ece / 2


def test_not_mentioned_rows_keep_full_confidence():
    train, right = _rows(200)
    cal = fit_calibrator(train, right, 0.25)
    docs = pd.DataFrame({"label": ["not_mentioned", "favor"], "score": [np.nan, 0.6],
                         "confidence": [1.0, 0.8], "n_sentences": [0, 4]})
    out = apply_calibration(docs, cal, 0.25)
    assert out["confidence"].iloc[0] == 1.0
    assert 0.0 < out["confidence"].iloc[1] < 1.0


def test_pipeline_finds_calibrator_by_fingerprint(tmp_path, monkeypatch):
    from stance.settings import load_settings

    train, right = _rows(200)
    cal = fit_calibrator(train, right, 0.25)
    monkeypatch.setattr(pipeline, "HEADS_DIR", tmp_path)
    settings = load_settings()
    assert pipeline.find_calibrator(settings, "fp-x") is None
    assert "not calibrated" in pipeline.confidence_basis(settings, "fp-x")
    cal.save(calibration_path(tmp_path, "fp-x"))
    assert pipeline.find_calibrator(settings, "fp-x").weights == cal.weights
    assert "calibrated on the AllSides dev gold" in pipeline.confidence_basis(settings, "fp-x")


def test_calibrator_applies_only_to_the_settings_it_was_fitted_with(tmp_path, monkeypatch):
    from stance.settings import load_settings

    train, right = _rows(200)
    cal = fit_calibrator(train, right, 0.25)
    cal.info = {"aggregate": {"neutral_threshold": 0.25, "prior_sentences": 3.0, "contrast_weight": 1.25}}
    cal.save(calibration_path(tmp_path, "fp-x"))
    monkeypatch.setattr(pipeline, "HEADS_DIR", tmp_path)
    same = load_settings(overrides={"aggregate": {"neutral_threshold": 0.25, "prior_sentences": 3.0,
                                                  "contrast_weight": 1.25}})
    other = load_settings(overrides={"aggregate": {"neutral_threshold": 0.25, "prior_sentences": 3.0,
                                                   "contrast_weight": 0.0}})
    assert pipeline.find_calibrator(same, "fp-x") is not None
    display_only = load_settings(overrides={"aggregate": {"neutral_threshold": 0.25, "prior_sentences": 3.0,
                                                          "contrast_weight": 1.25, "top_evidence": 7}})
    assert pipeline.find_calibrator(display_only, "fp-x") is not None  # evidence count does not change labels
    assert pipeline.find_calibrator(other, "fp-x") is None
    assert "not calibrated for this model and these settings" in pipeline.confidence_basis(other, "fp-x")
