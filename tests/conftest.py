"""Shared fixtures: the repo paths, a tiny NLI model built in the test, seed corpus.

Markers (pyproject.toml): ``slow`` (seconds to a minute each), ``model`` (runs the real shipped
model), ``browser`` (headless Chromium), ``ray`` (a local Ray), ``data`` (reads ``../shared``: the
public training sets and the dev gold). ``data`` tests are skipped, with the reason, on a clone
that has no ``../shared`` beside it; everything else runs on what the repository ships.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stance.settings import REPO_DIR, load_settings

SEEDS_DIR = REPO_DIR / "corpus" / "seeds"
SHARED_DIR = REPO_DIR.parent / "shared"


def pytest_collection_modifyitems(config, items):
    """Skip the ``data`` tests, naming why, where ../shared is not beside the repository."""
    if (SHARED_DIR / "datasets").is_dir():
        return
    skip = pytest.mark.skip(reason=f"needs ../shared beside the repository (public datasets, dev gold): {SHARED_DIR} absent")
    for item in items:
        if "data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def real_model_path() -> str:
    """The offline default model (the project's own, or the shared baseline)."""
    return load_settings().resolved_model()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, real_model_path) -> Path:
    """A 2-layer random BERT NLI classifier with the real tokenizer: fast, deterministic."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny_nli")
    tok = AutoTokenizer.from_pretrained(real_model_path)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512, num_labels=3,
                     id2label={0: "entailment", 1: "neutral", 2: "contradiction"},
                     label2id={"entailment": 0, "neutral": 1, "contradiction": 2})
    BertForSequenceClassification(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.fixture()
def tiny_settings(tiny_model_dir, tmp_path):
    """Settings that use the tiny model and a fresh cache folder."""
    return load_settings(overrides={"model": str(tiny_model_dir), "cache_dir": str(tmp_path / "cache")},
                         environ={})
