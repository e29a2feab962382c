"""The in-domain sentence training data (lab/data/allsides_sentences.csv) and its merge step."""

from __future__ import annotations

import pandas as pd
import pytest

from lab.evaluation.metrics import cohen_kappa
from lab.readings import news_sentences as ns
from lab.training import datasets as ds
from stance.io.corpus import load_corpus
from stance.settings import REPO_DIR, load_settings
from stance.text.prepare import document_text
from stance.text.targets import build_matchers

DATA = REPO_DIR / "lab" / "data" / "allsides_sentences.csv"


@pytest.mark.data
@pytest.mark.slow
def test_sentence_data_is_held_out_and_quotes_the_corpus():
    df = pd.read_csv(DATA, keep_default_na=False)
    assert len(df) > 4000 and not df.duplicated(["item", "target"]).any()
    assert set(df["reading"]) <= ns.LABELS and (df["label"] == df["reading"].map(ns.TRAIN_LABEL)).all()
    assert not set(df["doc_id"]) & ns.held_out_ids()  # neither the dev nor the silver gold leaks into training
    # the sentences are cut from the cleaned text the engine labels (headline first)
    docs = {d.id: " ".join(document_text(d)[1].split()) for d in load_corpus(REPO_DIR / "corpus" / "allsides").documents}
    assert all(" ".join(t.split()) in docs[i] for i, t in zip(df["doc_id"], df["text"]))
    # the target is really named in the sentence, or the reading says the name is not the country
    matchers = build_matchers(load_settings(environ={}).targets)
    named = [bool(matchers[t].find(x)) for t, x in zip(df["target"], df["text"])]
    unmatched = df[[not n for n in named]]
    assert len(unmatched) <= 0.03 * len(df), unmatched[["item", "target", "reading"]].head()


def test_training_reads_the_sentence_file():
    df = ds.load_stance_dataset(str(DATA))
    assert set(df["label"]) == {"favor", "against", "none"} and set(df["dataset"]) == {DATA.name}


def _folder(tmp_path, labels: str):
    tmp_path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"item": ["s0001", "s0002"], "doc_id": ["d1", "d2"], "sent_idx": [3, 0],
                  "targets": ["Iran|Israel", "United States"], "title": ["t", "t"], "previous": ["", ""],
                  "text": ["Iran denies it; Israel was hit.", "Steve Israel spoke in the U.S."]}
                 ).to_csv(tmp_path / "sentences.csv", index=False)
    (tmp_path / "labels_1.csv").write_text(labels)
    return tmp_path


def test_merge_joins_readings_and_maps_labels(tmp_path):
    folder = _folder(tmp_path, "item,target,label\ns0001,Iran,neutral\ns0001,Israel,Favor\n"
                               "s0002,United States,not_target\n")
    out = ns.merge(folder, tmp_path / "out.csv")
    assert out[["target", "label", "reading"]].values.tolist() == [
        ["Iran", "none", "neutral"], ["Israel", "favor", "favor"], ["United States", "none", "not_target"]]
    assert pd.read_csv(tmp_path / "out.csv")["text"].iloc[0] == "Iran denies it; Israel was hit."


@pytest.mark.parametrize("labels,message", [
    ("item,target,label\ns0001,Iran,maybe\n", "unknown label 'maybe'"),
    ("item,target,label\ns0009,Iran,favor\n", "unknown item 's0009'"),
    ("item,target,label\ns0002,Iran,favor\n", "does not name target 'Iran'"),
    ("item,target,label\ns0001,Iran,favor\ns0002,United States,neutral\n", "1 sentence x target cells unlabelled"),
])
def test_merge_refuses_bad_readings(tmp_path, labels, message):
    with pytest.raises(ValueError, match=message):
        ns.merge(_folder(tmp_path, labels), tmp_path / "out.csv")


def test_split_keeps_articles_on_one_side(tmp_path):
    train, val = ns.split(DATA, tmp_path)
    assert len(train) + len(val) == len(pd.read_csv(DATA)) and len(val) == 720
    assert not set(train["doc_id"]) & set(val["doc_id"])
    assert (tmp_path / "train.csv").is_file() and len(pd.read_csv(tmp_path / "val.csv")) == 720


def test_agreement_and_kappa(tmp_path):
    assert cohen_kappa(pd.Series(["a", "b", "a", "b"]), pd.Series(["a", "b", "a", "b"])) == 1.0
    assert cohen_kappa(pd.Series(["a", "a", "b", "b"]), pd.Series(["a", "b", "a", "b"])) == 0.0
    first = ns.merge(_folder(tmp_path, "item,target,label\ns0001,Iran,neutral\ns0001,Israel,favor\n"
                                       "s0002,United States,not_target\n"), tmp_path / "first.csv")
    assert len(first) == 3
    (tmp_path / "second.csv").write_text("item,target,label\ns0001,Iran,against\ns0001,Israel,Favor\n"
                                         "s0002,United States,neutral\n")
    r = ns.agree(tmp_path / "first.csv", tmp_path / "second.csv", tmp_path / "agreed.csv")
    assert r["cells"] == 3 and r["agreement"] == pytest.approx(1 / 3) and r["agreement_train"] == pytest.approx(2 / 3)
    assert pd.read_csv(tmp_path / "agreed.csv")["target"].tolist() == ["Israel", "United States"]
    (tmp_path / "bad.csv").write_text("item,target,label\ns0001,Iran,maybe\n")
    with pytest.raises(ValueError, match="unknown label 'maybe'"):
        ns.agree(tmp_path / "first.csv", tmp_path / "bad.csv")


def test_second_reading_covers_the_held_out_cells(tmp_path):
    _, val = ns.split(DATA, tmp_path)
    r = ns.agree(DATA, DATA.parent / "allsides_sentences_second_reading.csv")
    assert r["cells"] == len(val) == 720 and r["kappa"] > 0.6


def test_reread_writes_batches_of_the_given_cells_only(tmp_path):
    folder = _folder(tmp_path / "round", "item,target,label\n")
    (tmp_path / "cells.csv").write_text("item,target\ns0002,United States\n")
    s = ns.reread([folder], tmp_path / "cells.csv", tmp_path / "out", batches=2)
    assert s["item"].tolist() == ["s0002"]
    text = (tmp_path / "out" / "batch_1.md").read_text()
    assert "=== s0002  targets: United States" in text and "s0001" not in text
    assert (tmp_path / "out" / "batch_2.md").read_text() == ""
