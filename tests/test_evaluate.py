"""The eval command on tiny gold files (sentence level and document level)."""

from __future__ import annotations

import json

import pandas as pd

from stance.cli import main
from stance.evaluate import compare_documents, load_document_gold


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
