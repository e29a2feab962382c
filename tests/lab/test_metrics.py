"""Metric code on hand-computed cases."""

from __future__ import annotations

import pytest

from lab.evaluation.metrics import evaluate_labels, resolve_gold

LABELS = ["favor", "against", "none"]


def test_hand_computed_case():
    gold = ["favor", "favor", "against", "against", "none", "none"]
    pred = ["favor", "against", "against", "against", "favor", "none"]
    r = evaluate_labels(gold, pred, LABELS)
    # favor: tp1, pred2, gold2 → P .5 R .5 F .5 ; against: tp2, pred3, gold2 → P 2/3 R 1 F .8 ; none: tp1 pred1 gold2 → F 2/3
    assert r.f1["favor"] == pytest.approx(0.5)
    assert r.f1["against"] == pytest.approx(0.8)
    assert r.f1["none"] == pytest.approx(2 / 3)
    assert r.macro_f1 == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert r.f_avg == pytest.approx((0.5 + 0.8) / 2)
    assert r.accuracy == pytest.approx(4 / 6)
    assert r.confusion.loc["favor", "against"] == 1 and r.confusion.loc["none", "favor"] == 1
    assert r.confusion.values.sum() == 6


def test_never_predicted_label_scores_zero():
    r = evaluate_labels(["favor", "none"], ["none", "none"], LABELS)
    assert r.f1["favor"] == 0.0 and r.f1["against"] == 0.0
    assert r.f1["none"] == pytest.approx(2 / 3)


def test_split_gold_counts_either_label():
    assert resolve_gold(["neutral|against", "favor|neutral"], ["against", "against"]) == ["against", "favor"]
    r = evaluate_labels(["neutral|against"], ["against"], ["favor", "against", "neutral", "not_mentioned"])
    assert r.accuracy == 1.0


def test_length_mismatch():
    with pytest.raises(ValueError):
        evaluate_labels(["favor"], [], LABELS)


def test_reliability_hand_computed():
    from lab.evaluation.metrics import reliability

    conf = [0.4, 0.6, 0.65, 0.95, 1.0, 0.9]
    right = [False, True, False, True, True, False]
    table, ece = reliability(conf, right)
    assert table["bin"].tolist() == ["[0.00, 0.50)", "[0.50, 0.70)", "[0.90, 1.00]"]
    assert table["n"].tolist() == [1, 2, 3]
    assert table["accuracy"].tolist() == [0.0, 0.5, 2 / 3]
    assert abs(table["mean_confidence"].iloc[1] - 0.625) < 1e-12
    # ECE = 1/6*|0-0.4| + 2/6*|0.5-0.625| + 3/6*|2/3-0.95|
    assert abs(ece - (0.4 / 6 + 2 / 6 * 0.125 + 0.5 * (0.95 - 2 / 3))) < 1e-12


def test_reliability_rejects_mismatched_lengths():
    import pytest

    from lab.evaluation.metrics import reliability

    with pytest.raises(ValueError, match="2 confidences but 1 outcomes"):
        reliability([0.5, 0.6], [True])
