"""Sentence splits cached in the score database: identical results, no re-splitting when warm."""

from __future__ import annotations

from pathlib import Path

from stance.io.corpus import load_corpus
from stance.scoring.cache import ScoreCache
from stance.text import prepare as prep
from stance.text import sentences as sents
from stance.text.targets import build_matchers

SEEDS = Path(__file__).resolve().parents[2] / "corpus" / "seeds"
TARGETS = {"Iran": ["Iran", "Iranian", "Tehran"], "United States": ["United States", "US", "Washington"],
           "Israel": ["Israel", "Israeli"]}


def test_spans_round_trip_including_altered_text():
    text = "First one here.  Second one?\nNew para \u201cquoted.\u201d"
    got = sents.split_sentences(text)
    assert sents.sentences_from_json(sents.sentences_to_json(got, text), text) == got
    # a sentence whose text is not the slice (pysbd may normalise) keeps its own text
    odd = [sents.Sentence(0, "Altered", 0, 0, 5)]
    assert sents.sentences_from_json(sents.sentences_to_json(odd, "Alter text"), "Alter text") == odd


def test_split_key_depends_on_text_and_language():
    assert sents.split_key("a. b.", "en") != sents.split_key("a. b.", "de")
    assert sents.split_key("a. b.", "en") != sents.split_key("a. b!", "en")
    assert sents.SPLITTER_ID.startswith("pysbd-")


def test_prepare_documents_with_cache_equals_uncached_and_skips_splitting(tmp_path, monkeypatch):
    docs = load_corpus(SEEDS).documents
    matchers = build_matchers(TARGETS)
    plain = [prep.prepare_document(d, matchers) for d in docs]
    cache = ScoreCache(tmp_path / "scores.sqlite")
    cold = prep.prepare_documents(docs, matchers, cache=cache)
    stored = cache.get_splits([sents.split_key(prep.document_text(d)[1], d.language) for d in docs])
    assert len(stored) == len(docs)

    def no_split(*_a, **_k):
        raise AssertionError("a warm run must not split again")

    monkeypatch.setattr(sents, "split_sentences", no_split)
    warm = prep.prepare_documents(docs, matchers, cache=cache)
    for a, b, c in zip(plain, cold, warm, strict=True):
        assert a.sentences == b.sentences == c.sentences
        assert a.units == b.units == c.units
        assert a.clean == b.clean == c.clean


def test_changed_text_misses_the_cache(tmp_path):
    cache = ScoreCache(tmp_path / "scores.sqlite")
    sents.split_many(["One. Two."], ["en"], cache)
    assert cache.get_splits([sents.split_key("One. Two!", "en")]) == {}
    assert len(cache.get_splits([sents.split_key("One. Two.", "en")])) == 1
