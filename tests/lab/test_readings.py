"""The document readings at scale: complete, held apart from the test set, quoting their articles verbatim."""

from __future__ import annotations

import pandas as pd
import pytest

from lab.evaluation.golds import GOLD_SETS, load_document_gold
from lab.evaluation.metrics import cohen_kappa
from lab.readings import articles
from stance.settings import DOC_LABELS

TEST = GOLD_SETS["allsides-test"].csv
TRAIN = GOLD_SETS["readings-train"].csv


def _norm(s: str) -> str:
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", "-"), ("–", "-")):
        s = s.replace(a, b)
    return " ".join(s.split()).lower()


@pytest.fixture(scope="module")
def test_gold():
    return load_document_gold("allsides-test")


def test_the_test_gold_is_complete_and_balanced(test_gold):
    gold, corpus = test_gold
    assert len(gold) == 540 and gold["doc_id"].nunique() == 180 and len(corpus.documents) == 180
    assert (gold.groupby("doc_id")["target"].apply(lambda t: tuple(sorted(t))) == ("Iran", "Israel", "United States")).all()
    assert gold.drop_duplicates("doc_id")["corpus"].value_counts().to_dict() == {"allsides": 90, "us_world": 90}
    assert {p for g in gold["gold"] for p in g.split("|")} <= set(DOC_LABELS)
    assert (gold["agreed"] == ~gold["gold"].str.contains("|", regex=False)).all()
    # two independent readings that mostly agree (kappa 0.94 when fixed)
    a = [g.split("|")[0] for g in gold["gold"]]
    b = [g.split("|")[-1] for g in gold["gold"]]
    assert cohen_kappa(a, b) > 0.85


@pytest.mark.slow
def test_readings_quote_their_articles_verbatim(test_gold):
    gold, corpus = test_gold
    train, train_corpus = load_document_gold("readings-train")
    text = {d.id: _norm(d.title + "\n" + d.text) for d in [*corpus.documents, *train_corpus.documents]}
    missing = []
    for r in gold.itertuples():
        for reader, quote in ((0, r.evidence_reader1), (-1, r.evidence_reader2)):
            if r.gold.split("|")[reader] in ("favor", "against") and _norm(quote.strip('"“” .…')) not in text[r.doc_id]:
                missing.append((r.doc_id, r.target, quote))
    for r in train[train["gold"].isin(["favor", "against"])].itertuples():
        if _norm(r.evidence.strip('"“” .…')) not in text[r.doc_id]:
            missing.append((r.doc_id, r.target, r.evidence))
    assert len(missing) <= 0.01 * (len(gold) + len(train)), missing[:5]


def test_training_readings_are_complete_and_never_touch_the_test_set():
    train = pd.read_csv(TRAIN, keep_default_na=False)
    test_ids = set(pd.read_csv(TEST)["doc_id"])
    assert len(train) >= 3000 and set(train["label"]) <= set(DOC_LABELS)
    assert (train.groupby("doc_id").size() == 3).all()
    assert not set(train["doc_id"]) & test_ids
    # the readings are a prefix of the seeded order: whole batches, numbered from 1 without a gap
    batches = sorted(train["batch"].unique())
    assert batches == list(range(1, len(batches) + 1))
    for name in ("allsides-train", "allsides-silver"):
        assert not set(pd.read_csv(GOLD_SETS[name].csv)["doc_id"]) & test_ids, name


def test_every_gold_set_is_registered_with_a_role_and_rules():
    assert {g.role for g in GOLD_SETS.values()} == {"test", "validation", "training"}
    assert [g.name for g in GOLD_SETS.values() if g.role == "test"] == ["allsides-test"]


def test_a_bad_reading_is_refused_with_its_file(tmp_path):
    path = tmp_path / "reading_001_A.csv"
    path.write_text("doc_id,target,label,confidence,evidence\nd1,Iran,favor,high,x\nd1,Israel,maybe,low,\n")
    with pytest.raises(ValueError, match="reading_001_A.csv: covers 2 of 3 cells"):
        articles.read_reading(path, ["d1"])
    path.write_text("doc_id,target,label,confidence,evidence\nd1,Iran,favor,high,x\nd1,Israel,maybe,low,\n"
                    "d1,United States,neutral,low,r\n")
    with pytest.raises(ValueError, match="unknown labels"):
        articles.read_reading(path, ["d1"])


def test_sentence_readings_from_test_articles_never_train():
    from lab.training.datasets import load_labelled_file, test_article_ids

    path = GOLD_SETS["allsides-train"].csv.parent / "allsides_sentences.csv"
    raw = pd.read_csv(path, keep_default_na=False)
    loaded = load_labelled_file(path)
    from_test = raw["doc_id"].isin(test_article_ids())
    assert from_test.any()  # the sentence readings predate the test draw, which did not avoid them
    assert len(loaded) == int((~from_test).sum())
    assert not set(loaded["text"]) & set(raw.loc[from_test, "text"]) - set(raw.loc[~from_test, "text"])
