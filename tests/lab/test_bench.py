"""Correctness tests of ``stance bench`` on a tiny random model (no timing assertions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.benchmarks.bench import agreement, naive_template, profile_ours, quantize_int8, sample_documents
from stance.engines.local import label_corpus
from stance.io.corpus import load_corpus
from stance.scoring.nli import load_nli_model
from stance.scoring.scorer import Scorer
from stance.settings import load_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    """A 1-layer, 16-wide random BERT NLI model with a small WordPiece vocabulary."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"abcdefghijklmnopqrstuvwxyz.,",
             "the", "author", "is", "in", "favor", "of", "against", "neutral", "about", "iran", "israel"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizer(vocab_file=str(folder / "vocab.txt"))
    labels = {0: "entailment", 1: "neutral", 2: "contradiction"}
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=512, id2label=labels,
                     label2id={v: k for k, v in labels.items()})
    out = folder / "model"
    BertForSequenceClassification(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return str(out)


def test_naive_template_rebuilds_our_hypotheses():
    templates = load_settings().templates
    template, labels = naive_template(templates)
    assert template == "The author is {}."
    assert labels == ["in favor of {target}", "against {target}", "neutral about {target}"]
    for lab, stance in zip(labels, ("favor", "against", "neutral")):
        assert template.format(lab.format(target="Iran")) == templates[stance].format(target="Iran")


def test_naive_template_without_common_parts():
    template, labels = naive_template({"favor": "{target} is good.", "against": "Down with {target}!",
                                       "neutral": "{target} exists"})
    assert [template.format(lab.format(target="X")) for lab in labels] == ["X is good.", "Down with X!", "X exists"]


def test_sample_is_nested_and_seeded():
    corpus = load_corpus(REPO / "corpus" / "seeds")
    small, big = sample_documents(corpus, 2, seed=3), sample_documents(corpus, 4, seed=3)
    assert [d.id for d in small] == [d.id for d in big[:2]]


@pytest.mark.slow
def test_quick_bench_runs_and_records(tiny_model, tmp_path, capsys):
    from lab.cli import main

    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--model", tiny_model, "--corpus", str(REPO / "corpus" / "seeds"),
                 "--backend", "int8", "--out", str(out)]) == 0
    rec = json.loads(out.read_text())
    by_path = {t["path"]: t for t in rec["timings"]}
    naive, cold, warm = by_path["naive pipeline (a)"], by_path["ours cold (b)"], by_path["ours warm (c)"]
    assert naive["documents"] == 2 and naive["nli_passes"] == 2 * len(rec["targets"]) * 3
    assert cold["documents"] == 3 and cold["nli_passes"] > 0 and warm["nli_passes"] == 0
    assert warm["target_sentences"] == cold["target_sentences"]
    assert rec["equivalence_max_abs_diff"] < 1e-4  # the naive pipeline and our scorer compute the same thing
    assert rec["ratio_b_over_a"] > 0 and 0 < rec["naive_text_read"] <= 1
    assert rec["int8"]["sentence_pairs"] == cold["target_sentences"]
    assert "speed-up b/a" in capsys.readouterr().out


def test_agreement_and_profile(tiny_model):
    settings = load_settings(overrides={"model": tiny_model, "cache_dir": ""})
    docs = sample_documents(load_corpus(REPO / "corpus" / "seeds"), 2)
    nli = load_nli_model(tiny_model)
    from stance.io.corpus import Corpus

    res = label_corpus(Corpus(docs), settings, Scorer(settings, model=nli))
    same = agreement(res, res)
    assert same["sentence_argmax_agreement"] == 1.0 and same["max_abs_prob_diff"] == 0.0
    q = quantize_int8(nli)
    assert q.fingerprint.endswith("-int8") and nli.model is not q.model
    prof = profile_ours(nli, docs, settings, top=5)
    assert len(prof["by_own_time"]) == 5 and prof["total_s"] > 0
