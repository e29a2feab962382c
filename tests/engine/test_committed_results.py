"""The committed AllSides tables are in step with the shipped corpus, model and settings."""

from __future__ import annotations

import gzip
import json

import pytest

from stance.io.export import read_results
from stance.scoring.nli import model_fingerprint
from stance.settings import REPO_DIR, load_settings
from stance.text.targets import build_matchers

RESULTS = REPO_DIR / "results" / "allsides"
CORPUS = REPO_DIR / "corpus" / "allsides" / "documents.jsonl.gz"


@pytest.fixture(scope="module")
def committed():
    if not (RESULTS / "run.json").is_file():
        pytest.skip("results/allsides not generated")
    return read_results(RESULTS)


def test_same_model_templates_and_aggregation(committed):
    settings = load_settings(environ={})
    run = committed.run
    assert run["model_fingerprint"] == model_fingerprint(settings.resolved_model()), \
        "model changed: re-run lab/benchmarks/label_allsides.sh"
    assert run["templates"] == settings.templates
    assert run["aggregate"] == settings.aggregate.__dict__
    assert run["targets"] == list(settings.targets)


def test_every_corpus_document_has_a_row_per_target(committed):
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        ids = {json.loads(line)["id"] for line in fh if line.strip()}
    docs = committed.documents
    assert set(docs["doc_id"]) == ids
    assert len(docs) == len(ids) * len(load_settings(environ={}).targets)
    assert committed.run["documents"] == len(ids)


def test_source_table_matches_document_table(committed):
    src = committed.sources
    n = committed.documents.groupby(["source", "target"]).size()
    assert (src.set_index(["source", "target"])["n_documents_total"] == n.reindex(
        src.set_index(["source", "target"]).index)).all()


@pytest.mark.slow
def test_every_sentence_row_still_names_its_target(committed):
    """Mention matching changed (targets.py) without relabelling shows up here as rows no matcher finds."""
    matchers = build_matchers(load_settings(environ={}).targets)
    sentences = {r.doc_id: json.loads(r.sentences) if isinstance(r.sentences, str) else list(r.sentences)
                 for r in committed.texts.itertuples()}
    rows = committed.sentences
    stale = [(d, i, t) for d, i, t in zip(rows["doc_id"], rows["sent_idx"], rows["target"])
             if not matchers[t].find(sentences[d][i])]
    assert not stale, f"{len(stale)} sentence rows no longer name their target, e.g. {stale[:3]}: relabel"


@pytest.mark.slow
def test_the_engine_rebuilds_the_committed_tables_from_their_sentences(committed):
    """The document rule, the fitted parts and the source aggregation give back exactly what was committed."""
    import dataclasses

    import pandas as pd

    from stance.documents.fitted import resolve
    from stance.engines.local import build_tables, sentence_table, units_frame
    from stance.io.corpus import load_corpus

    settings = load_settings(environ={})
    corpus = load_corpus(REPO_DIR / "corpus" / "allsides")
    sent = committed.sentences
    units = sent[list(units_frame([]).columns)]
    probs = sent[["p_favor", "p_against", "p_neutral"]].to_numpy()
    rebuilt_sent = sentence_table(units, probs, settings)
    pd.testing.assert_frame_equal(rebuilt_sent.reset_index(drop=True), sent.reset_index(drop=True), check_dtype=False)
    parts = resolve(settings, committed.run["model_fingerprint"])
    assert parts.method == committed.run["document_method"]
    assert parts.confidence_basis == committed.run["document_confidence"]
    rebuilt = build_tables(dataclasses.replace(corpus, warnings=[]), [], rebuilt_sent, settings, parts)
    for name in ("documents", "sources"):
        a = getattr(rebuilt, name).reset_index(drop=True)
        b = getattr(committed, name).reset_index(drop=True)
        pd.testing.assert_frame_equal(a[b.columns], b, check_dtype=False, atol=1e-9, obj=name)
