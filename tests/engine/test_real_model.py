"""End to end with the real shipped model on the real seed text, and committed results in step."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stance.engines.local import label_corpus
from stance.io.corpus import load_corpus
from stance.io.export import read_results
from stance.settings import REPO_DIR, load_settings
from stance.text.targets import build_matchers
from tests.conftest import SEEDS_DIR

pytestmark = [pytest.mark.model, pytest.mark.slow]


COMMITTED = REPO_DIR / "results" / "seeds"


@pytest.fixture(scope="module")
def seed_results(tmp_path_factory):
    settings = load_settings(overrides={"cache_dir": str(tmp_path_factory.mktemp("cache"))}, environ={})
    return label_corpus(load_corpus(SEEDS_DIR), settings)


def test_five_documents_by_three_targets_with_evidence(seed_results):
    docs = seed_results.documents
    assert len(docs) == 15
    mentioned = docs[docs["label"] != "not_mentioned"]
    assert len(mentioned) >= 12
    for row in mentioned.itertuples():
        evidence = json.loads(row.evidence_favor) + json.loads(row.evidence_against)
        assert evidence or abs(row.score) < 1e-9, row.doc_id
        assert row.n_sentences > 0 and 0 <= row.confidence <= 1 and -1 <= row.score <= 1


def test_not_mentioned_exactly_when_no_alias(seed_results):
    matchers = build_matchers(load_settings(environ={}).targets)
    corpus = {d.id: d for d in load_corpus(SEEDS_DIR).documents}
    texts = seed_results.texts.set_index("doc_id")
    for row in seed_results.documents.itertuples():
        sentences = json.loads(texts.loc[row.doc_id, "sentences"])
        named = any(matchers[row.target].find(s) for s in sentences)
        assert (row.label != "not_mentioned") == named, (row.doc_id, row.target)
    assert corpus["seed-001"].text.count("Israel") == 0


def test_praise_of_iran_scores_positive(seed_results):
    """seed-001 calls Iran's anti-terrorism action 'praiseworthy': that sentence should lean favor.

    The shared baseline failed this ("against" as a preposition read as opposition); the
    project's model passes it.
    """
    s = seed_results.sentences
    praise = s[(s.doc_id == "seed-001") & (s.target == "Iran") & s.sentence.str.contains("praiseworthy")]
    assert len(praise) == 1 and praise["score"].iloc[0] > 0


def test_committed_results_are_in_step_with_code(seed_results):
    """results/seeds must be what the CLI writes today: regenerate with the README command if this fails."""
    committed = read_results(COMMITTED)
    assert committed.run["model_fingerprint"] == seed_results.run["model_fingerprint"], "re-run the label command"
    assert committed.run["templates"] == seed_results.run["templates"]
    assert committed.run["aggregate"] == seed_results.run["aggregate"]
    key = ["doc_id", "target"]
    a = committed.documents.sort_values(key).reset_index(drop=True)
    b = seed_results.documents.sort_values(key).reset_index(drop=True)
    assert list(a["label"]) == list(b["label"])
    np.testing.assert_allclose(a["score"].astype(float), b["score"].astype(float), atol=1e-4, equal_nan=True)
    pd.testing.assert_series_equal(a["n_sentences"], b["n_sentences"], check_dtype=False)


def test_seed_gold_floors(seed_results):
    """Regression floors on the seed gold, a little under what the shipped defaults measured.

    Documents: macro-F1 0.71, F_avg 0.50, accuracy 0.80 (12/15) measured with the shipped model
    and defaults (contrast, prior and threshold chosen on the dev gold; the previous release had
    0.63 / 0.33 / 0.73, the plain mean has 0.63 / 0.33 / 0.80); sentences: macro-F1 0.45 measured
    (chance 0.33).
    """
    from lab.evaluation.evaluate import SEED_GOLD, SEED_SENTENCES, compare_documents, evaluate_sentences
    from stance.scoring.scorer import Scorer

    gold = pd.read_csv(SEED_GOLD, keep_default_na=False)
    report, _ = compare_documents(gold, seed_results.documents)
    assert report.macro_f1 >= 0.65 and report.f_avg >= 0.4
    assert report.accuracy >= 0.75
    assert report.f1["not_mentioned"] == 1.0
    sentences = pd.read_csv(SEED_SENTENCES, keep_default_na=False)
    settings = load_settings(overrides={"cache_dir": ""}, environ={})
    sreport, _ = evaluate_sentences(sentences, Scorer(settings))
    assert sreport.macro_f1 >= 0.42


def test_allsides_silver_floor_above_the_trivial_rule(tmp_path):
    """On 60 held-out AllSides articles (never tuned on) the shipped system beats "neutral whenever named".

    Measured: macro-F1 0.576, F_avg 0.244, accuracy 0.817; the trivial rule scores 0.462 / 0 / 0.850
    (`python -m lab eval allsides-silver`). The floor sits between the two.
    """
    from lab.evaluation.evaluate import evaluate_documents

    settings = load_settings(overrides={"cache_dir": str(tmp_path)}, environ={})
    report, cells, _ = evaluate_documents("allsides-silver", settings)
    assert len(cells) == 180
    assert report.macro_f1 >= 0.53 and report.f_avg >= 0.15
    assert report.f1["not_mentioned"] >= 0.9
