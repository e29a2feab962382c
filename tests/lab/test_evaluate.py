"""The eval command on tiny gold files (sentence level and document level)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lab.cli import main
from lab.evaluation.evaluate import compare_documents
from lab.evaluation.golds import load_document_gold
from stance.settings import REPO_DIR


def test_sentence_eval_on_tiny_file(tmp_path, tiny_model_dir, capsys):
    gold = tmp_path / "gold.csv"
    pd.DataFrame({"text": ["Iran is great.", "Israel is awful.", "The US exists.", "Iran said hi."],
                  "target": ["Iran", "Israel", "United States", "Iran"],
                  "label": ["FAVOR", "against", "none", "neutral"]}).to_csv(gold, index=False)
    out = tmp_path / "preds.csv"
    code = main(["eval", str(gold), "--model", str(tiny_model_dir), "--cache-dir", "", "--out", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "macro-F1=" in printed and "F_avg=" in printed and "confusion" in printed
    preds = pd.read_csv(out)
    assert len(preds) == 4 and set(preds["pred"]) <= {"favor", "against", "none"}
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["n"] == 4 and 0 <= report["macro_f1"] <= 1


def test_document_comparison_counts_split_gold_and_missing_cells():
    gold = pd.DataFrame({"doc_id": ["a", "a", "b"], "target": ["Iran", "Israel", "Iran"],
                         "gold": ["against|neutral", "not_mentioned", "favor"]})
    docs = pd.DataFrame({"doc_id": ["a", "b"], "target": ["Iran", "Iran"], "label": ["neutral", "against"],
                         "score": [0.0, -0.5], "n_sentences": [3, 2],
                         "evidence_favor": ["[]", "[]"], "evidence_against": ["[]", "[]"]})
    report, cells = compare_documents(gold, docs)
    assert list(cells["correct"]) == [True, True, False]  # Israel missing from the table = not mentioned
    assert report.accuracy == 2 / 3
    assert report.confusion.loc["favor", "against"] == 1


def test_seed_document_gold_is_complete():
    gold, corpus = load_document_gold("seeds")
    assert len(gold) == 15 and len(corpus.documents) == 5
    labels = {lab for g in gold["gold"] for lab in g.split("|")}
    assert labels <= {"favor", "against", "neutral", "not_mentioned"}


@pytest.mark.data
def test_allsides_silver_gold_is_complete_and_quotes_its_articles():
    gold, corpus = load_document_gold("allsides-silver")
    dev = pd.read_csv(REPO_DIR.parent / "shared" / "datasets" / "allsides_dev_gold" / "gold.csv")
    assert len(gold) == 180 and len(corpus.documents) == 60
    assert not set(gold["doc_id"]) & set(dev["doc_id"])  # disjoint from the dev gold it checks
    per_doc = gold.groupby("doc_id")["target"].apply(lambda t: tuple(sorted(t)))
    assert (per_doc == ("Iran", "Israel", "United States")).all()
    labels = {lab for g in gold["gold"] for lab in g.split("|")}
    assert labels <= {"favor", "against", "neutral", "not_mentioned"}
    assert (gold["agreed"] == ~gold["gold"].str.contains("|", regex=False)).all()
    # every favor / against reading quotes its article verbatim (whitespace and quote marks aside)
    text = {d.id: _norm(d.title + " " + d.text) for d in corpus.documents}
    for r in gold.itertuples():
        for reader, quote in ((1, r.evidence_reader1), (2, r.evidence_reader2)):
            lab = r.gold.split("|")[0 if reader == 1 or "|" not in r.gold else 1]
            if lab in ("favor", "against"):
                assert _norm(quote.strip('"“” .…')) in text[r.doc_id], (r.doc_id, r.target, reader, quote)


def _norm(s: str) -> str:
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", "-"), ("–", "-")):
        s = s.replace(a, b)
    return " ".join(s.split()).lower()


@pytest.mark.data
def test_gold_sets_pool_with_plus_and_unknown_names_are_refused():
    from lab.evaluation.golds import is_document_gold

    gold, corpus = load_document_gold("allsides-dev+allsides-silver")
    assert len(gold) == 117 + 180 and len(corpus.documents) == 39 + 60
    assert corpus.name == "allsides-dev+allsides-silver"
    assert is_document_gold("allsides-dev+allsides-silver") and is_document_gold("seeds")
    assert not is_document_gold("vast") and not is_document_gold("seeds+vast")
    with pytest.raises(FileNotFoundError, match="nope: unknown document gold set"):
        load_document_gold("allsides-dev+nope")
