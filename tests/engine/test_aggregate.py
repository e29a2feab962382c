"""Aggregation on hand-made sentence scores, checked against hand-computed values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stance.documents.aggregate import aggregate_documents
from stance.documents.rule import DocumentRule, bootstrap_interval, label_from_score
from stance.settings import AggregateSettings

AGG = AggregateSettings(neutral_threshold=0.15, quote_weight=0.5, headline_weight=2.0, top_evidence=2,
                        prior_sentences=0.0)  # the plain weighted mean; the prior has its own test


def weights(position, attributed, agg, p_neutral=None):
    return DocumentRule.from_settings(agg).sentence_weights(position, attributed, p_neutral)


def sent(doc, target, idx, score, cue="", weight=1.0):
    return {"doc_id": doc, "target": target, "sent_idx": idx, "sentence": f"s{idx}", "score": score,
            "weight": weight, "cue": cue}


@pytest.fixture()
def meta():
    return pd.DataFrame({"doc_id": ["d1", "d2", "d3"], "source": ["A", "A", "B"], "title": ["", "", ""],
                         "date": ["", "", ""]})


def test_weighted_mean_label_and_not_mentioned(meta):
    s = pd.DataFrame([
        sent("d1", "Iran", 0, -0.8, weight=2.0),      # headline
        sent("d1", "Iran", 1, 0.4, cue="said", weight=0.5),
        sent("d1", "Iran", 2, -0.1),
        sent("d2", "Iran", 0, 0.05),
        sent("d3", "Iran", 4, 0.9),
    ])
    docs = aggregate_documents(s, meta, ["Iran", "Israel"], AGG).set_index(["doc_id", "target"])
    # d1: (-0.8*2 + 0.4*0.5 - 0.1*1) / 3.5 = -1.5/3.5
    assert docs.loc[("d1", "Iran"), "score"] == pytest.approx(-1.5 / 3.5)
    assert docs.loc[("d1", "Iran"), "label"] == "against"
    assert docs.loc[("d1", "Iran"), "n_sentences"] == 3
    assert docs.loc[("d1", "Iran"), "n_attributed"] == 1
    assert docs.loc[("d2", "Iran"), "label"] == "neutral"
    assert docs.loc[("d3", "Iran"), "label"] == "favor"
    assert docs.loc[("d1", "Israel"), "label"] == "not_mentioned"
    assert np.isnan(docs.loc[("d1", "Israel"), "score"])
    ev = json.loads(docs.loc[("d1", "Iran"), "evidence_against"])
    assert [e["sent_idx"] for e in ev] == [0, 2]  # strongest first, capped at top_evidence
    assert json.loads(docs.loc[("d1", "Iran"), "evidence_favor"])[0]["attributed"] is True
    # a single sentence cannot disagree with itself under resampling
    assert docs.loc[("d3", "Iran"), "confidence"] == 1.0
    assert 0 < docs.loc[("d1", "Iran"), "confidence"] <= 1


@pytest.mark.parametrize("prior", [0.0, 5.0])
def test_grouped_document_scores_equal_the_engines(meta, prior):
    s = pd.DataFrame([sent("d1", "Iran", 0, -0.8, weight=2.0), sent("d1", "Iran", 1, 0.4, weight=0.5),
                      sent("d1", "Israel", 1, 0.3), sent("d3", "Iran", 4, 0.9)])
    grouped = DocumentRule(prior_sentences=prior).document_scores(s)
    docs = aggregate_documents(s, meta, ["Iran", "Israel"], AggregateSettings(prior_sentences=prior))
    engine = docs.dropna(subset=["score"]).set_index(["doc_id", "target"])["score"]
    pd.testing.assert_series_equal(grouped.sort_index(), engine.sort_index(), check_names=False)
    assert grouped[("d1", "Iran")] == pytest.approx((-0.8 * 2 + 0.4 * 0.5) / (2.5 + prior))


def test_neutral_prior_shrinks_passing_mentions_more_than_sustained_positions(meta):
    # d1: one strong sentence; d2: five of them. With one neutral pseudo-sentence:
    # d1 = -0.6 / 2 = -0.3 (neutral at 0.35), d2 = -3.0 / 6 = -0.5 (against).
    s = pd.DataFrame([sent("d1", "Iran", 0, -0.6)] + [sent("d2", "Iran", i, -0.6) for i in range(5)])
    plain = AggregateSettings(neutral_threshold=0.35, prior_sentences=0.0)
    shrunk = AggregateSettings(neutral_threshold=0.35, prior_sentences=1.0)
    a = aggregate_documents(s, meta, ["Iran"], plain).set_index("doc_id")
    b = aggregate_documents(s, meta, ["Iran"], shrunk).set_index("doc_id")
    assert a.loc["d1", "label"] == "against" and a.loc["d1", "score"] == pytest.approx(-0.6)
    assert b.loc["d1", "score"] == pytest.approx(-0.3) and b.loc["d1", "label"] == "neutral"
    assert b.loc["d2", "score"] == pytest.approx(-0.5) and b.loc["d2", "label"] == "against"
    # identical sentences: every resample gives the same score, so agreement stays 1
    assert b.loc["d2", "confidence"] == 1.0


def test_contrast_takes_each_target_relative_to_the_others_its_sentence_names():
    s = pd.DataFrame([
        {"doc_id": "d1", "sent_idx": 0, "target": "Iran", "raw_score": -0.8},           # "Israel struck Iran ..."
        {"doc_id": "d1", "sent_idx": 0, "target": "Israel", "raw_score": -0.4},
        {"doc_id": "d1", "sent_idx": 1, "target": "Iran", "raw_score": -0.5},           # names Iran alone
        {"doc_id": "d1", "sent_idx": 2, "target": "Iran", "raw_score": 0.2},            # three targets
        {"doc_id": "d1", "sent_idx": 2, "target": "Israel", "raw_score": -0.4},
        {"doc_id": "d1", "sent_idx": 2, "target": "United States", "raw_score": 0.0},
        {"doc_id": "d2", "sent_idx": 0, "target": "Israel", "raw_score": 0.6},           # same index, other doc
    ])
    out = DocumentRule(contrast_weight=1.0).sentence_scores(s)
    # s_t - mean(others); a sentence naming one target keeps its raw score
    np.testing.assert_allclose(out, [-0.8 + 0.4, -0.4 + 0.8, -0.5, 0.2 + 0.2, -0.4 - 0.1, 0.0 - (-0.1), 0.6])
    np.testing.assert_allclose(DocumentRule(contrast_weight=0.0).sentence_scores(s), s["raw_score"])
    np.testing.assert_allclose(DocumentRule(contrast_weight=0.5).sentence_scores(s)[:2], [-0.8 + 0.2, -0.4 + 0.4], atol=1e-12)
    # a strong weight cannot push a score past the [-1, 1] every other score lives in
    np.testing.assert_allclose(DocumentRule(contrast_weight=3.0).sentence_scores(s)[:2], [-0.8 + 1.2, 1.0])
    # without a raw_score column the score column is the raw score
    np.testing.assert_allclose(DocumentRule(contrast_weight=1.0).sentence_scores(s.rename(columns={"raw_score": "score"})), out)


def test_contrast_turns_a_shared_conflict_tone_into_a_side(meta):
    # both parties read negative in every sentence; Iran more so: the document sides with Israel
    rows = []
    for i in range(4):
        rows += [{**sent("d1", "Iran", i, 0.0), "raw_score": -0.7}, {**sent("d1", "Israel", i, 0.0), "raw_score": -0.3}]
    s = pd.DataFrame(rows)
    agg = AggregateSettings(neutral_threshold=0.1, prior_sentences=0.0, contrast_weight=1.0)
    s["score"] = DocumentRule(contrast_weight=agg.contrast_weight).sentence_scores(s)
    docs = aggregate_documents(s, meta, ["Iran", "Israel"], agg).set_index(["doc_id", "target"])
    assert docs.loc[("d1", "Iran"), "score"] == pytest.approx(-0.4)
    assert docs.loc[("d1", "Israel"), "score"] == pytest.approx(0.4)
    assert docs.loc[("d1", "Israel"), "label"] == "favor"
    ev = json.loads(docs.loc[("d1", "Israel"), "evidence_favor"])[0]
    assert ev["score"] == pytest.approx(0.4) and ev["raw_score"] == pytest.approx(-0.3)  # both numbers shown


def test_strength_weight_counts_sentences_that_take_a_side_more():
    agg = AggregateSettings(quote_weight=0.5, headline_weight=2.0, strength_weight=1.0)
    pos = pd.Series(["headline", "body", "body"])
    w = weights(pos, pd.Series([False, True, False]), agg, np.array([0.2, 0.5, 1.0]))
    np.testing.assert_allclose(w, [2.0 * 0.8, 0.5 * 0.5, 0.0])
    # power 0 (or no p_neutral given) leaves the position and attribution weights alone
    off = AggregateSettings(quote_weight=0.5, headline_weight=2.0, strength_weight=0.0)
    np.testing.assert_allclose(weights(pos, pd.Series([False, True, False]), off, np.array([0.2, 0.5, 1.0])),
                               [2.0, 0.5, 1.0])
    np.testing.assert_allclose(weights(pos, pd.Series([False, True, False]), agg), [2.0, 0.5, 1.0])
    # squared: a sentence at p_neutral 0.5 counts a quarter
    sq = AggregateSettings(strength_weight=2.0)
    np.testing.assert_allclose(weights(pd.Series(["body"]), pd.Series([False]), sq, np.array([0.5])), [0.25])


def test_source_table_means_documents_not_sentences(meta):
    s = pd.DataFrame([sent("d1", "Iran", i, -0.5) for i in range(9)] + [sent("d2", "Iran", 0, 0.3)])
    docs = aggregate_documents(s, meta, ["Iran"], AGG)
    src = DocumentRule.from_settings(AGG).group(docs, "source").set_index(["source", "target"])
    assert src.loc[("A", "Iran"), "score"] == pytest.approx((-0.5 + 0.3) / 2)
    assert src.loc[("A", "Iran"), "n_documents"] == 2
    assert src.loc[("A", "Iran"), "n_sentences"] == 10
    assert src.loc[("A", "Iran"), "n_against"] == 1 and src.loc[("A", "Iran"), "n_favor"] == 1
    assert src.loc[("B", "Iran"), "label"] == "not_mentioned"
    assert src.loc[("B", "Iran"), "n_not_mentioned"] == 1


def test_bootstrap_interval_hand_case():
    assert bootstrap_interval(np.array([0.2, 0.2, 0.2])) == pytest.approx((0.2, 0.2))
    lo, hi = bootstrap_interval(np.array([-1.0, 1.0]), n_boot=4000)
    # means of 2 draws from {-1, 1}: -1 (1/4), 0 (1/2), 1 (1/4) → 2.5% and 97.5% quantiles are -1 and 1
    assert (lo, hi) == (-1.0, 1.0)
    assert all(np.isnan(bootstrap_interval(np.array([]))))


def test_label_from_score_threshold_is_strict():
    assert list(label_from_score([0.15, 0.151, -0.151, 0.0], 0.15)) == ["neutral", "favor", "against", "neutral"]
