"""Training loop on a tiny BERT built here (no shared weights or data needed)."""

from __future__ import annotations

import argparse
import json
import random

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors import safe_open

from lab.training import config, data, loop, model_eval, train
from lab.training import datasets as ds

STANCE_ROWS = [
    ("We strongly support the new deal with Iran", "Iran", "favor"),
    ("Israel deserves praise for the ceasefire", "Israel", "favor"),
    ("The sanctions on Iran are a cruel failure", "Iran", "against"),
    ("Israel must be condemned for the strike", "Israel", "against"),
    ("Officials from Iran met on Tuesday", "Iran", "none"),
    ("The meeting in Israel lasted two hours", "Israel", "none"),
]
NLI_ROWS = [
    ("A man plays a guitar on stage", "A man plays music", "entailment"),
    ("A man plays a guitar on stage", "A woman is sleeping", "contradiction"),
    ("A man plays a guitar on stage", "The man is famous", "neutral"),
    ("Two dogs run in a park", "Animals are outside", "entailment"),
]


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    """A tiny BertForSequenceClassification + WordPiece tokenizer saved to a folder."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny_base")
    tpl = data.load_templates()
    words = set()
    for text in [r[0] for r in STANCE_ROWS] + [r[0] + " " + r[1] for r in NLI_ROWS] + list(tpl.values()):
        words.update(text.lower().replace("{target}", "iran israel").replace(".", " .").split())
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", *sorted(words)]
    tok = BertTokenizer(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    assert "[UNK]" not in tok.tokenize(tpl["favor"].format(target="Iran"))
    tok.save_pretrained(folder)
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64, num_labels=3)
    BertForSequenceClassification(cfg).save_pretrained(folder)
    return folder


def test_tiny_training_run(tiny_base, tmp_path) -> None:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    stance_df = pd.DataFrame(STANCE_ROWS, columns=["text", "target", "label"]).assign(dataset="tiny", split="train")
    nli_df = pd.DataFrame(NLI_ROWS, columns=["premise", "hypothesis", "label"]).assign(dataset="snli")
    cfg = config.TrainConfig(out=tmp_path / "model", base_model=str(tiny_base), epochs=40, lr=5e-3, batch_size=24,
                            max_length=48, threads=1, device="cpu", log_every=1, eval_per_set=0,
                            freeze_embeddings=False, nli_first=0.0, warmup_ratio=0.05,
                            checkpoint_minutes=0.002)  # checkpoints mid-run must not disturb training
    out = loop.train_model(cfg, stance_df=stance_df, nli_df=nli_df, val={"tiny": stance_df})
    log = json.loads((out / "training_log.json").read_text())
    curve = [p["loss"] for p in log["loss_curve"]]
    assert len(curve) >= 30  # a few dozen full-batch steps (22 pairs each)
    assert sum(curve[-5:]) / 5 < 0.7 * sum(curve[:5]) / 5
    assert log["val"]["tiny"]["n"] == 6

    model = AutoModelForSequenceClassification.from_pretrained(out)
    assert model.config.id2label[0] == "entailment"
    assert model.config.label2id == {"entailment": 0, "neutral": 1, "contradiction": 2}
    assert next(model.parameters()).dtype == torch.float32  # fp16 on disk, loads as fp32
    with safe_open(str(out / "model.safetensors"), "pt") as fh:
        dtypes = {fh.get_tensor(k).dtype for k in fh.keys() if fh.get_tensor(k).is_floating_point()}
    assert dtypes == {torch.float16}
    assert AutoTokenizer.from_pretrained(out)("iran", "israel")["input_ids"]
    card = (out / "README.md").read_text()
    assert "Apache-2.0" in card and "entailment" in card and "tiny" in card
    # the scoring protocol: softmax over the three entailment logits per example
    tok = AutoTokenizer.from_pretrained(out)
    probs = model_eval.stance_probs(model, tok, stance_df["text"], stance_df["target"])
    assert probs.shape == (6, 3)
    assert abs(probs.sum(axis=1) - 1).max() < 1e-5


def test_buckets_keep_groups_and_respect_batch_size() -> None:
    units = [data._Unit([[1] * n] * 3, [[0] * n] * 3, [0, 2, 2], 0) for n in range(5, 40)]
    units += [data._Unit([[1] * n], [[0] * n], [1], -1) for n in range(5, 40)]
    batches = data.bucket_batches(units, 8, random.Random(0))
    assert sum(len(b) for b in batches) == len(units)
    assert all(sum(len(u.labels) for u in b) <= 8 for b in batches)
    batch = data.collate(batches[0], pad_id=0)
    assert batch["input_ids"].shape[0] == batch["labels"].shape[0]
    assert len(batch["group_start"]) == sum(u.gold >= 0 for u in batches[0])


def test_recast_labels_follow_the_brief() -> None:
    e, n, c = config.ENT, config.NEU, config.CON
    assert config.RECAST == {"favor": (e, c, c), "against": (c, e, c), "none": (n, n, e)}
    assert config.HYP_ORDER == ("favor", "against", "neutral")


def test_lr_schedule_is_time_aware() -> None:
    assert loop._lr_factor(0, 100, 10, 0.0, None) == pytest.approx(0.1)
    assert loop._lr_factor(55, 100, 10, 0.0, None) == pytest.approx(0.5)
    # half the steps but the whole time budget used -> annealed to zero
    assert loop._lr_factor(55, 100, 10, 60.0, 60.0) == 0.0
    # warm-up also ends after warmup_ratio of the time budget, however few steps were done
    assert loop._lr_factor(1, 100, 50, 10.0, 100.0, 0.1) == pytest.approx(0.9)
    assert loop._lr_factor(1, 100, 50, 5.0, 100.0, 0.1) == pytest.approx(0.5)


def test_metrics() -> None:
    m = model_eval.stance_metrics(["favor", "against", "none", "favor"], ["favor", "against", "favor", "none"])
    assert m["f1_against"] == 1.0 and m["f1_favor"] == pytest.approx(0.5)
    assert m["f_avg"] == pytest.approx(0.75) and m["macro_f1"] == pytest.approx(0.5)
    two = model_eval.stance_metrics(["favor", "against"], ["favor", "none"])
    assert two["macro_f1"] == pytest.approx(0.5)  # none is not a gold class here


def test_rank_auc() -> None:
    assert model_eval.rank_auc([True, True, False, False], [0.9, 0.8, 0.1, 0.2]) == 1.0
    assert model_eval.rank_auc([True, False, True, False], [0.1, 0.9, 0.2, 0.8]) == 0.0
    assert model_eval.rank_auc([True, False], [0.5, 0.5]) == 0.5  # a tie counts half
    assert model_eval.rank_auc([True, False, False], [0.5, 0.7, 0.1]) == pytest.approx(0.5)
    assert np.isnan(model_eval.rank_auc([False, False], [0.1, 0.2]))


def test_cli_parser() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    train.add_parser(sub)
    args = parser.parse_args(["train", "--max-minutes", "5", "--datasets", "newsmtsc:100", "vast", "--lr", "1e-4"])
    assert args.func is train.run and args.max_minutes == 5 and args.lr == 1e-4
    assert train._parse_mix(args.datasets) == {"newsmtsc": 100, "vast": None}
    with pytest.raises(ValueError, match="unknown stance dataset"):
        train._parse_mix(["nope:3"])


def test_mix_takes_labelled_files(tmp_path) -> None:
    path = tmp_path / "news.csv"
    path.write_text("text,target,label,reading\nIran denies it,Iran,none,neutral\nA rogue regime,Iran,against,against\n"
                    "A rogue regime,Iran,against,against\n")
    assert train._parse_mix([f"{path}:50", "vast:3"]) == {str(path): 50, "vast": 3}
    assert train._parse_mix([str(path)]) == {str(path): None}
    df = ds.load_stance_dataset(str(path))
    assert df["label"].tolist() == ["none", "against"] and set(df["dataset"]) == {"news.csv"}
    with pytest.raises(ValueError, match="does not exist"):
        train._parse_mix([str(tmp_path / "gone.csv:5")])
