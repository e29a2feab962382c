"""Confidence calibration: fitted on hand-made document rows, applied by the pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.evaluation.metrics import reliability
from stance.documents import fitted
from stance.documents.calibration import apply_calibration, confidence_features, fit_calibrator


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


def _use_heads_dir(monkeypatch, folder):
    # a model that is not a folder under models/ keeps its fitted parts in models/doc_heads
    monkeypatch.setattr(fitted, "HEADS_DIR", folder)


def test_run_finds_calibrator_by_fingerprint(tmp_path, monkeypatch):
    from stance.settings import load_settings

    train, right = _rows(200)
    cal = fit_calibrator(train, right, 0.25)
    _use_heads_dir(monkeypatch, tmp_path)
    settings = load_settings()
    assert fitted.resolve(settings, "fp-x", "hub/model").calibrator is None
    assert "not calibrated" in fitted.resolve(settings, "fp-x", "hub/model").confidence_basis
    cal.info = {"trained_on": "allsides_dev_gold (39 articles)"}
    cal.save(tmp_path / "fp-x.confidence.json")
    parts = fitted.resolve(settings, "fp-x", "hub/model")
    assert parts.calibrator.weights == cal.weights and parts.method == "mean"
    assert "calibrated on the AllSides dev gold" in parts.confidence_basis


def test_a_calibrator_of_another_model_is_not_used(tmp_path, monkeypatch):
    from stance.settings import load_settings

    train, right = _rows(200)
    cal = fit_calibrator(train, right, 0.25)
    cal.info = {"model_fingerprint": "fp-old"}
    cal.save(tmp_path / "fp-x.confidence.json")
    _use_heads_dir(monkeypatch, tmp_path)
    assert fitted.resolve(load_settings(), "fp-x", "hub/model").calibrator is None


def test_calibrator_applies_only_to_the_settings_it_was_fitted_with(tmp_path, monkeypatch):
    from stance.settings import load_settings

    train, right = _rows(200)
    cal = fit_calibrator(train, right, 0.25)
    cal.info = {"aggregate": {"neutral_threshold": 0.25, "prior_sentences": 3.0, "contrast_weight": 1.25}}
    cal.save(tmp_path / "fp-x.confidence.json")
    _use_heads_dir(monkeypatch, tmp_path)
    same = load_settings(overrides={"aggregate": {"neutral_threshold": 0.25, "prior_sentences": 3.0,
                                                  "contrast_weight": 1.25}})
    other = load_settings(overrides={"aggregate": {"neutral_threshold": 0.25, "prior_sentences": 3.0,
                                                   "contrast_weight": 0.0}})
    assert fitted.resolve(same, "fp-x", "hub/model").calibrator is not None
    display_only = load_settings(overrides={"aggregate": {"neutral_threshold": 0.25, "prior_sentences": 3.0,
                                                          "contrast_weight": 1.25, "top_evidence": 7}})
    assert fitted.resolve(display_only, "fp-x", "hub/model").calibrator is not None  # evidence count does not change labels
    assert fitted.resolve(other, "fp-x", "hub/model").calibrator is None
    assert "not calibrated for this model and these settings" in fitted.resolve(other, "fp-x", "hub/model").confidence_basis


def test_the_shipped_model_keeps_its_parts_beside_it():
    from stance.scoring.nli import model_fingerprint
    from stance.settings import OWN_MODEL_DIR, load_settings

    head, cal = fitted.part_paths(str(OWN_MODEL_DIR), "x")
    assert head.parent == OWN_MODEL_DIR and cal.parent == OWN_MODEL_DIR
    parts = fitted.resolve(load_settings(), model_fingerprint(str(OWN_MODEL_DIR)), str(OWN_MODEL_DIR))
    assert parts.calibrator is not None and parts.calibrator.info["model_fingerprint"] == model_fingerprint(str(OWN_MODEL_DIR))


def test_the_calibrate_command_fits_and_the_next_run_uses_it(tmp_path, monkeypatch, tiny_model_dir, capsys):
    from stance.cli import main
    from stance.engines.local import label_corpus
    from stance.io.corpus import load_corpus
    from stance.settings import REPO_DIR, load_settings

    _use_heads_dir(monkeypatch, tmp_path / "heads")
    gold = REPO_DIR / "lab" / "data" / "golds" / "seed_gold_documents.csv"
    seeds = REPO_DIR / "corpus" / "seeds"
    args = ["calibrate", str(gold), str(seeds), "--model", str(tiny_model_dir), "--cache-dir", str(tmp_path / "c"), "--head"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "15 gold cells" in out and "confidence.json" in out
    settings = load_settings(overrides={"model": str(tiny_model_dir), "cache_dir": str(tmp_path / "c")}, environ={})
    run = label_corpus(load_corpus(seeds), settings).run
    assert run["document_confidence"].startswith("P(label right), calibrated on seed_gold_documents.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("doc_id,target,gold\nseed-000,Iran,maybe\n")
    assert main(["calibrate", str(bad), str(seeds), "--model", str(tiny_model_dir)]) == 2
    assert "bad.csv, line 2: label 'maybe'" in capsys.readouterr().err
