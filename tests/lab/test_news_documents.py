"""The AllSides document readings used to fit and check document labels (lab/data/allsides_documents.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lab.evaluation.evaluate import ALLSIDES_GOLD, ALLSIDES_SILVER, ALLSIDES_TRAIN, load_document_gold
from lab.readings import silver_gold as sg
from lab.tuning import tune_documents as td
from lab.tuning.methods import Method
from stance.documents.head import ALL_FEATURES, SHRINK, document_features
from stance.settings import DOC_LABELS

TARGETS = ["Iran", "United States", "Israel"]


def _squash(text: str) -> str:
    return " ".join(str(text).replace("’", "'").replace("“", '"').replace("”", '"').split())


@pytest.mark.data
def test_document_readings_are_complete_held_out_and_quote_their_articles():
    gold, corpus = load_document_gold("allsides-train")
    assert len(gold) == 3 * gold["doc_id"].nunique() >= 1440
    assert not gold.duplicated(["doc_id", "target"]).any()
    assert set(gold["gold"]) <= set(DOC_LABELS) and set(gold["target"]) == set(TARGETS)
    held_out = set(pd.read_csv(ALLSIDES_GOLD / "gold.csv")["doc_id"]) | set(pd.read_csv(ALLSIDES_SILVER)["doc_id"])
    assert not set(gold["doc_id"]) & held_out  # neither gold leaks into what heads are fitted on
    texts = {d.id: _squash(f"{d.title} {d.text}") for d in corpus.documents}
    sided = gold[gold["gold"].isin(["favor", "against"])]
    quoted = [_squash(e).strip('"…. ')[:60] in texts[d] for d, e in zip(sided["doc_id"], sided["evidence"])]
    assert np.mean(quoted) > 0.9, sided[[not q for q in quoted]].head()


def _write_reading(folder: Path, ids: list[str], batch: int, drop: int = 0) -> None:
    rows = [{"doc_id": i, "target": t, "label": "neutral", "confidence": "high", "evidence": "report"}
            for i in ids for t in TARGETS]
    pd.DataFrame(rows[drop:]).to_csv(folder / f"reading_{batch}_A.csv", index=False)


def test_merge_single_keeps_article_order_and_refuses_missing_cells(tmp_path):
    pd.DataFrame({"id": ["b", "a", "c"]}).to_csv(tmp_path / "articles.csv", index=False)
    _write_reading(tmp_path, ["a", "b"], 1)
    _write_reading(tmp_path, ["c"], 2)
    out = sg.merge_single([tmp_path], tmp_path / "out.csv", batches=2)
    assert list(out["doc_id"].drop_duplicates()) == ["b", "a", "c"] and len(out) == 9
    assert pd.read_csv(tmp_path / "out.csv").shape == (9, 5)
    _write_reading(tmp_path, ["c"], 2, drop=1)
    with pytest.raises(ValueError, match="reading A covers 8 of 9"):
        sg.merge_single([tmp_path], tmp_path / "out.csv", batches=2)


@pytest.mark.data
def test_a_reading_is_scored_against_the_dev_gold(tmp_path):
    gold = pd.read_csv(ALLSIDES_GOLD / "gold.csv", keep_default_na=False)
    exact = gold.assign(label=gold["gold"].str.split("|").str[0])[["doc_id", "target", "label"]]
    exact.to_csv(tmp_path / "r.csv", index=False)
    assert sg.score_reading(tmp_path / "r.csv").accuracy == 1.0
    exact.assign(label="neutral").to_csv(tmp_path / "r.csv", index=False)
    assert sg.score_reading(tmp_path / "r.csv").f_avg == 0.0


def test_contrast_features_summarise_the_engines_scores():
    sent = pd.DataFrame({
        "doc_id": ["d"] * 3 + ["e"], "target": ["Iran"] * 3 + ["Israel"],
        "position": ["headline", "body", "body", "body"], "cue": ["", "said", "", ""],
        "p_favor": [0.1, 0.2, 0.6, 0.3], "p_against": [0.7, 0.5, 0.1, 0.3], "p_neutral": [0.2, 0.3, 0.3, 0.4],
        "raw_score": [-0.6, -0.3, 0.5, 0.0], "score": [-0.8, -0.4, 0.6, 0.2]})
    f = document_features(sent)
    assert list(f.columns) == ALL_FEATURES
    d = f.loc[("d", "Iran")]
    assert d["mean_score"] == pytest.approx((-0.6 - 0.3 + 0.5) / 3)  # raw-score features stay raw
    assert d["contrast_shrunk"] == pytest.approx((-0.8 - 0.4 + 0.6) / (3 + SHRINK))
    assert (d["contrast_min"], d["contrast_max"], d["contrast_headline"]) == (-0.8, 0.6, -0.8)
    assert d["contrast_own_mean"] == pytest.approx((-0.8 + 0.6) / 2)
    assert d["contrast_share_neg"] == pytest.approx(2 / 3) and d["contrast_share_pos"] == pytest.approx(1 / 3)
    assert d["shrunk_x_Iran"] == d["contrast_shrunk"] and d["shrunk_x_Israel"] == 0.0
    e = f.loc[("e", "Israel")]
    assert e["contrast_headline"] == e["contrast_mean"] == pytest.approx(0.2)  # no headline: the mean
    assert e["shrunk_x_Israel"] == pytest.approx(0.2 / (1 + SHRINK))


class _Recorder(Method):
    name = "recorder"

    def __init__(self):
        self.fitted: list[set] = []

    def fit(self, cells):
        self.fitted.append(set(cells["doc_id"]))

    def predict(self, cells):
        return ["neutral"] * len(cells)


def test_extra_cells_join_every_training_fold_and_are_never_tested():
    cells = pd.DataFrame({"doc_id": [f"d{i}" for i in range(10)], "target": "Iran", "gold": "neutral",
                          "mentioned": True})
    extra = pd.DataFrame({"doc_id": ["x1", "x2"], "target": "Iran", "gold": "against", "mentioned": True})
    rec = _Recorder()
    row = td.cross_validate(rec, cells, k=5, repeats=2, extra=extra)
    assert len(rec.fitted) == 10 and all({"x1", "x2"} <= f and len(f) == 10 for f in rec.fitted)
    assert row["accuracy"] == 1.0  # only the 10 dev cells are scored, all neutral
    held = td.held_out(_Recorder(), extra, cells)
    assert held["accuracy"] == 1.0


@pytest.mark.data
def test_allsides_train_is_a_known_gold_set():
    assert ALLSIDES_TRAIN.is_file()
    gold, corpus = load_document_gold("allsides-dev+allsides-train")
    assert corpus.name == "allsides-dev+allsides-train" and len(gold) == 117 + len(pd.read_csv(ALLSIDES_TRAIN))


@pytest.mark.data  # the silver draw excludes the dev gold's articles, which live in ../shared
def test_merge_rebuilds_the_committed_silver_gold_from_its_two_readings(tmp_path):
    # split the committed gold back into reader A's and B's batch files, shuffled within each batch
    articles = sg.sample(tmp_path)  # the silver draw: its articles in the gold's order
    gold = pd.read_csv(ALLSIDES_SILVER, keep_default_na=False)
    assert list(articles["id"]) == list(gold["doc_id"].drop_duplicates())
    for reader, i in (("A", 0), ("B", 1)):
        reading = pd.DataFrame({"doc_id": gold["doc_id"], "target": gold["target"],
                                "label": [g.split("|")[i] if "|" in g else g for g in gold["gold"]],
                                "confidence": gold["confidence"], "evidence": gold[f"evidence_reader{i + 1}"]})
        for b in range(4):
            part = reading[reading["doc_id"].isin(articles["id"].iloc[b * 15:(b + 1) * 15])]
            part.sample(frac=1, random_state=b).to_csv(tmp_path / f"reading_{b + 1}_{reader}.csv", index=False)
    sg.merge(tmp_path, tmp_path / "gold.csv")
    assert (tmp_path / "gold.csv").read_bytes() == ALLSIDES_SILVER.read_bytes()
    pd.read_csv(tmp_path / "reading_2_B.csv").iloc[1:].to_csv(tmp_path / "reading_2_B.csv", index=False)
    with pytest.raises(ValueError, match="reading B covers 179 of 180"):
        sg.merge(tmp_path, tmp_path / "gold.csv")
