"""The document reader: trained end to end on a tiny set, resumed from a checkpoint, used by the engine."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lab.training import documents as reader
from stance.engines.local import label_corpus
from stance.io.corpus import load_corpus
from stance.settings import load_settings
from tests.conftest import SEEDS_DIR

CELLS = pd.DataFrame({
    "doc_id": [f"d{i}" for i in range(6)],
    "target": ["Iran", "Israel", "United States", "Iran", "Israel", "United States"],
    "label": ["against", "favor", "neutral", "favor", "against", "neutral"],
    "text": ["Iran's regime lied again and threatened its neighbours.", "Israel endured rocket fire on its towns.",
             "The United States held talks on Tuesday.", "Iran kept its word and helped the refugees.",
             "Israel's strike killed dozens and was condemned.", "Washington announced a visit."],
})


def _config(tmp_path, base, **kw):
    return reader.ReaderConfig(out=tmp_path / "reader", base_model=str(base), epochs=2, batch_size=2, max_length=48,
                               neutral_keep=1.0, replay=0, **kw)


def test_tiny_training_run_writes_an_nli_model_the_stock_pipeline_reads(tmp_path, tiny_model_dir, monkeypatch):
    from transformers import pipeline

    monkeypatch.setattr(reader, "CHECKPOINTS", tmp_path / "ckpt")
    out = reader.train_reader(_config(tmp_path, tiny_model_dir), cells=CELLS, replay=CELLS.iloc[0:0])
    log = json.loads((out / "training_log.json").read_text())
    assert log["steps"] == 6 and log["reader"]["reader"] == "document" and log["cells"]["neutral"] == 2
    clf = pipeline("zero-shot-classification", model=str(out), device=-1)
    res = clf("Iran threatened its neighbours.", candidate_labels=["favor", "against", "neutral"],
              hypothesis_template="The author is {} Iran.")
    assert sorted(res["labels"]) == ["against", "favor", "neutral"] and abs(sum(res["scores"]) - 1) < 1e-5


def test_a_run_out_of_time_resumes_from_its_checkpoint(tmp_path, tiny_model_dir, monkeypatch):
    monkeypatch.setattr(reader, "CHECKPOINTS", tmp_path / "ckpt")
    cfg = _config(tmp_path, tiny_model_dir, max_minutes=0.0)
    stopped = reader.train_reader(cfg, cells=CELLS, replay=CELLS.iloc[0:0])
    assert (stopped / "last.pt").is_file() and not (tmp_path / "reader").exists()
    cfg.max_minutes = None
    out = reader.train_reader(cfg, cells=CELLS, replay=CELLS.iloc[0:0])
    assert json.loads((out / "training_log.json").read_text())["steps"] == 6


def test_epoch_order_keeps_every_rare_cell_and_a_share_of_neutral(tiny_model_dir, tmp_path):
    cells = pd.concat([CELLS] * 10, ignore_index=True)
    order = reader.epoch_order(cells, cells.iloc[0:0], _config(tmp_path, tiny_model_dir, seed=3) , 0)
    assert (order["label"] != "neutral").sum() == 40 and (order["label"] == "neutral").sum() == 20
    half = reader.ReaderConfig(out=tmp_path, neutral_keep=0.5)
    assert (reader.epoch_order(cells, cells.iloc[0:0], half, 0)["label"] == "neutral").sum() == 10


def test_the_engine_labels_documents_with_the_reader(tiny_settings):
    import dataclasses

    settings = dataclasses.replace(tiny_settings, reader="document")
    res = label_corpus(load_corpus(SEEDS_DIR), settings)
    mentioned = res.documents[res.documents["label"] != "not_mentioned"]
    assert len(mentioned) and mentioned["p_favor_doc"].notna().all()
    p = mentioned[["p_favor_doc", "p_against_doc", "p_neutral_doc"]].to_numpy()
    assert abs(p.sum(axis=1) - 1).max() < 1e-5
    assert (mentioned["confidence"] == p.max(axis=1)).all()
    assert res.run["document_method"] == "reader" and "passage" in res.run["document_confidence"]
    assert res.documents.loc[res.documents["label"] == "not_mentioned", "p_favor_doc"].isna().all()


def test_passages_start_with_the_headline_and_lead_and_keep_the_budget():
    from stance.text.passage import target_passage

    sents = ["Headline about talks.", "Lead one.", "Lead two.", "Filler.", "Iran said no.", "More filler.", "Iran again."]
    assert target_passage(sents, [4, 6]) == "Headline about talks. Lead one. Lead two. Iran said no. Iran again."
    assert target_passage(sents, []) == ""
    assert len(target_passage(sents, [4, 6], max_words=5).split()) == 5


@pytest.mark.parametrize("bad", ["sentence", "documents"])
def test_an_unknown_reader_is_refused(bad):
    from stance.settings import SettingsError

    with pytest.raises(SettingsError, match="reader must be"):
        load_settings(overrides={"reader": bad}, environ={})
