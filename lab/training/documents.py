"""Train the document reader: NLI over a target's passage, listwise over the three author hypotheses.

Each training example is one article x target cell a careful reader labelled (favor, against,
neutral): the premise is the target's passage (headline, lead and the sentences that name it,
:mod:`stance.text.passage`, built exactly as the engine builds it), the hypotheses are the three
author templates of the settings, and the loss is the cross-entropy of the softmax over the three
entailment logits against the reader's label (weighted for the rare classes). The model stays a
plain NLI classifier, so it still works as a zero-shot classifier for new targets and in
transformers' stock ``zero-shot-classification`` pipeline. Public stance sentences are mixed in
(``replay``) so targets outside the readings do not collapse.

A run longer than a working session saves a checkpoint outside the work tree every few minutes
and resumes from it when started again with the same settings.

    python -m lab.training.documents --out /tmp/reader [--max-minutes 120] [--train readings-train allsides-train]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from lab.evaluation.golds import load_document_gold
from lab.training import datasets as ds
from lab.training.loop import save_fp16
from stance.engines.local import text_tables, units_frame
from stance.scoring.cache import ScoreCache
from stance.settings import OWN_MODEL_DIR, STANCES, load_settings
from stance.text.passage import passage_table
from stance.text.prepare import prepare_documents
from stance.text.targets import build_matchers

log = logging.getLogger("lab.training.documents")
CHECKPOINTS = Path(os.environ.get("STANCE_CHECKPOINTS", Path.home() / ".cache" / "stance-dashboard" / "checkpoints"))
LABEL_INDEX = {"favor": 0, "against": 1, "neutral": 2}
#: Public stance sets replayed beside the readings, with their share of the replay examples.
REPLAY_MIX = {"vast": 0.35, "newsmtsc": 0.2, "pstance": 0.15, "covid19_stance": 0.1, "wtwt": 0.1, "ibm_argq_30k_stance": 0.1}


@dataclass
class ReaderConfig:
    """One document-reader training run."""

    out: Path
    base_model: str = str(OWN_MODEL_DIR)
    train: tuple[str, ...] = ("readings-train", "allsides-train")
    passage_words: int = 300
    max_length: int = 384
    epochs: float = 1.0
    lr: float = 2e-5
    batch_size: int = 4
    class_weights: dict[str, float] = field(default_factory=lambda: {"favor": 3.0, "against": 1.5, "neutral": 1.0})
    #: share of the neutral cells kept per epoch (neutral is ~75% of the mentioned cells)
    neutral_keep: float = 0.5
    replay: int = 1500
    warmup_ratio: float = 0.06
    max_minutes: float | None = None
    checkpoint_minutes: float = 10.0
    seed: int = 0
    threads: int = 2
    freeze_embeddings: bool = True

    def key(self) -> str:
        """A short hash of everything that changes the run (a checkpoint resumes only the same run)."""
        d = {k: v for k, v in asdict(self).items() if k not in ("max_minutes", "checkpoint_minutes", "threads", "out")}
        return hashlib.sha1(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:10]


def cell_examples(gold_names: tuple[str, ...] | list[str], passage_words: int, cache_dir: str = ".stance_cache") -> pd.DataFrame:
    """Return the training cells of the named gold sets as ``doc_id, target, label, text``.

    ``text`` is the target's passage built by the engine's own functions; cells whose target no
    sentence names are left out (the engine says not_mentioned there by rule), and a cell the
    reader called not_mentioned although a sentence names it (a person called Israel, page
    clutter) trains as neutral. Split cells ``a|b`` are left out.
    """
    settings = load_settings(environ={})
    gold, corpus = load_document_gold("+".join(gold_names))
    cache = ScoreCache(Path(cache_dir) / "scores.sqlite") if cache_dir else None
    prepared = prepare_documents(corpus.documents, build_matchers(settings.targets), cache=cache)
    texts, _ = text_tables(prepared)
    units = units_frame([u for p in prepared for u in p.units])
    passages = passage_table(texts, units, passage_words)
    cells = gold[~gold["gold"].str.contains("|", regex=False)].drop_duplicates(["doc_id", "target"])
    m = cells.merge(passages, on=["doc_id", "target"], how="inner")
    label = m["gold"].where(m["gold"] != "not_mentioned", "neutral")
    return pd.DataFrame({"doc_id": m["doc_id"], "target": m["target"], "label": label, "text": m["passage"]})


def replay_examples(n: int, seed: int) -> pd.DataFrame:
    """Return ``n`` public stance sentences (``text, target, label``) in the REPLAY_MIX shares; none without ../shared."""
    if n <= 0 or not (ds.default_data_root() / "stance_train").is_dir():
        return pd.DataFrame(columns=["doc_id", "target", "label", "text"])
    parts = []
    for name, share in REPLAY_MIX.items():
        df = ds.load_stance_dataset(name, "train")
        parts.append(df.sample(min(len(df), int(n * share)), random_state=seed))
    out = pd.concat(parts, ignore_index=True)
    return pd.DataFrame({"doc_id": "", "target": out["target"], "label": out["label"].replace({"none": "neutral"}),
                         "text": out["text"]})


def epoch_order(cells: pd.DataFrame, replay: pd.DataFrame, cfg: ReaderConfig, epoch: int) -> pd.DataFrame:
    """Return one epoch's examples: every favor/against cell, ``neutral_keep`` of neutral ones, the replay, shuffled."""
    rng = np.random.default_rng(cfg.seed + epoch)
    neutral = cells[cells["label"] == "neutral"]
    keep = neutral.sample(frac=cfg.neutral_keep, random_state=int(rng.integers(1e9)))
    ex = pd.concat([cells[cells["label"] != "neutral"], keep, replay], ignore_index=True)
    ex = ex.sample(frac=1, random_state=int(rng.integers(1e9))).reset_index(drop=True)
    # batches of similar length pad little: sort within windows of 50 batches, then shuffle the batches
    window = cfg.batch_size * 50
    ex["_len"] = ex["text"].str.len()
    ex = pd.concat([ex.iloc[i:i + window].sort_values("_len") for i in range(0, len(ex), window)], ignore_index=True)
    batches = [ex.iloc[i:i + cfg.batch_size] for i in range(0, len(ex), cfg.batch_size)]
    random.Random(cfg.seed + epoch).shuffle(batches)
    return pd.concat(batches, ignore_index=True).drop(columns="_len")


def _save_checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def train_reader(cfg: ReaderConfig, cells: pd.DataFrame | None = None, replay: pd.DataFrame | None = None) -> Path:
    """Train the document reader and save it (fp16) to ``cfg.out``; returns the folder.

    ``cells`` and ``replay`` default to :func:`cell_examples` of ``cfg.train`` and
    :func:`replay_examples`. Resumes from the checkpoint of the same run when there is one.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    t0 = time.time()
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    settings = load_settings(environ={})
    cells = cell_examples(cfg.train, cfg.passage_words) if cells is None else cells
    replay = replay_examples(cfg.replay, cfg.seed) if replay is None else replay
    log.info("%d cells %s, %d replay sentences", len(cells), cells["label"].value_counts().to_dict(), len(replay))
    tok = AutoTokenizer.from_pretrained(cfg.base_model)
    model = AutoModelForSequenceClassification.from_pretrained(cfg.base_model).float()
    ent = {k.lower(): v for k, v in model.config.label2id.items()}["entailment"]
    if cfg.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01)
    per_epoch = math.ceil((len(cells[cells["label"] != "neutral"]) + cfg.neutral_keep * (cells["label"] == "neutral").sum()
                           + len(replay)) / cfg.batch_size)
    total = max(1, int(per_epoch * cfg.epochs))
    warmup = max(1, int(total * cfg.warmup_ratio))
    weights = torch.tensor([cfg.class_weights[s] for s in ("favor", "against", "neutral")])
    templates = [settings.templates[s] for s in STANCES]
    ckpt_dir = CHECKPOINTS / cfg.key()
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    ckpt = ckpt_dir / "last.pt"
    step, losses, seconds_before = 0, [], 0.0
    if ckpt.is_file():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, losses, seconds_before = state["step"], state["losses"], state["seconds"]
        log.info("resumed %s at step %d of %d", ckpt, step, total)
    model.train()
    last_save = time.time()
    deadline = t0 + cfg.max_minutes * 60 if cfg.max_minutes is not None else None
    while step < total:
        epoch, offset = divmod(step, per_epoch)
        order = epoch_order(cells, replay, cfg, epoch)
        batch = order.iloc[offset * cfg.batch_size:(offset + 1) * cfg.batch_size]
        if batch.empty:
            step = (epoch + 1) * per_epoch
            continue
        premises = [t for t in batch["text"] for _ in templates]
        hyps = [h.format(target=t) for t in batch["target"] for h in templates]
        enc = tok(premises, hyps, truncation="only_first", max_length=cfg.max_length, padding=True, return_tensors="pt")
        logits = model(**enc).logits[:, ent].view(len(batch), 3)
        y = torch.tensor([LABEL_INDEX[v] for v in batch["label"]])
        loss = torch.nn.functional.cross_entropy(logits, y, weight=weights)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        frac = (step + 1) / warmup if step < warmup else max(0.0, 1 - (step - warmup) / max(1, total - warmup))
        for g in opt.param_groups:
            g["lr"] = cfg.lr * frac
        opt.step()
        opt.zero_grad()
        step += 1
        losses.append(loss.item())
        if step % 25 == 0:
            log.info("step %d/%d loss %.3f (last 25) %.0fs", step, total, np.mean(losses[-25:]), time.time() - t0)
        out_of_time = deadline is not None and time.time() > deadline
        if time.time() - last_save > cfg.checkpoint_minutes * 60 or out_of_time:
            _save_checkpoint(ckpt, {"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "losses": losses,
                                    "seconds": seconds_before + time.time() - t0})
            last_save = time.time()
        if out_of_time:
            log.info("time budget spent at step %d of %d: checkpoint kept, run again to resume", step, total)
            return ckpt_dir
    model.eval()
    save_fp16(model, tok, cfg.out)
    info = {"kind": "document reader", "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
            "cells": cells["label"].value_counts().to_dict(), "replay": len(replay), "steps": step,
            "seconds": round(seconds_before + time.time() - t0),
            "final_loss_25": float(np.mean(losses[-25:])) if losses else None,
            "reader": {"reader": "document", "passage_words": cfg.passage_words, "passage_max_length": cfg.max_length}}
    (cfg.out / "training_log.json").write_text(json.dumps(info, indent=1) + "\n")
    return cfg.out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--base-model", default=str(OWN_MODEL_DIR))
    ap.add_argument("--train", nargs="+", default=list(ReaderConfig.train), help="gold sets to learn from (training role)")
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--max-length", type=int, default=384)
    ap.add_argument("--passage-words", type=int, default=300)
    ap.add_argument("--neutral-keep", type=float, default=0.5)
    ap.add_argument("--replay", type=int, default=1500)
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cfg = ReaderConfig(out=args.out, base_model=args.base_model, train=tuple(args.train), epochs=args.epochs, lr=args.lr,
                       batch_size=args.batch_size, max_length=args.max_length, passage_words=args.passage_words,
                       neutral_keep=args.neutral_keep, replay=args.replay, max_minutes=args.max_minutes,
                       threads=args.threads, seed=args.seed)
    print(train_reader(cfg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
