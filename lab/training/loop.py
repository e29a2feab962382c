"""The training loop: warm-up and decay by steps or time, checkpoints, fp16 save, model card."""

from __future__ import annotations

import json
import logging
import os
import platform
import random
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from lab.training import datasets as ds
from lab.training.card import folder_mb, model_card, previous_stages
from lab.training.config import ID2LABEL, LABEL2ID, TrainConfig
from lab.training.data import (
    base_model_dir,
    batch_loss,
    build_units,
    collate,
    count_seen,
    load_templates,
    load_training_data,
    make_plan,
)
from lab.training.model_eval import evaluate_stance, val_sets

log = logging.getLogger("lab.training")


def _pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _lr_factor(step: int, total: int, warmup: int, elapsed: float, budget: float | None,
               warmup_ratio: float = 0.0) -> float:
    """Warm-up then linear decay, in steps and in time: both end at whichever comes first.

    Warm-up ends after ``warmup`` steps or ``warmup_ratio`` of the time budget; decay progress
    is max(step share, time share), so a run cut short by its deadline still anneals to zero.
    """
    warm = (step + 1) / max(1, warmup)
    if budget and warmup_ratio:
        warm = max(warm, elapsed / (warmup_ratio * budget))
    if warm < 1:
        return warm
    progress = (step - warmup) / max(1, total - warmup)
    if budget:
        progress = max(progress, elapsed / budget)
    return max(0.0, 1.0 - progress)


def save_fp16(model: torch.nn.Module, tokenizer: Any, out: Path) -> None:
    """Save ``model`` as fp16 safetensors (config dtype float32, so CPU loads upcast) + tokenizer."""
    out.mkdir(parents=True, exist_ok=True)
    # an fp16 copy of the weights: the model itself keeps training in fp32 (checkpoints mid-run)
    state = {k: (v.detach().to("cpu", torch.float16) if v.is_floating_point() else v.detach().to("cpu")).contiguous()
             for k, v in model.state_dict().items()}
    model.save_pretrained(out, state_dict=state, safe_serialization=True)
    tokenizer.save_pretrained(out)
    cfg_path = out / "config.json"
    cfg = json.loads(cfg_path.read_text())
    # weights are stored in fp16 to halve the folder; declare fp32 so `dtype="auto"` loads
    # full precision (fp16 matmuls are slow or unsupported on many CPUs)
    cfg["dtype"] = "float32"
    cfg.pop("torch_dtype", None)
    cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def train_model(config: TrainConfig, stance_df: pd.DataFrame | None = None, nli_df: pd.DataFrame | None = None,
                val: dict[str, pd.DataFrame] | None = None) -> Path:
    """Fine-tune an NLI cross-encoder per ``config``; save it to ``config.out`` and return that path.

    ``stance_df`` (``text, target, label``) and ``nli_df`` (``premise, hypothesis, label``)
    replace the shared datasets when given (tests, custom data); ``val`` replaces the
    held-out val sets. The output folder gets config.json (id2label 0 entailment, 1
    neutral, 2 contradiction), tokenizer files, fp16 ``model.safetensors``,
    ``training_log.json`` (config, data counts, loss curve, val figures) and README.md.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    t_start = time.time()
    budget = config.max_minutes * 60 if config.max_minutes else None
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    device = _pick_device(config.device)
    templates = load_templates(config.templates)
    base = Path(config.base_model) if config.base_model else base_model_dir()

    if stance_df is None and nli_df is None:
        stance_df, nli_df = load_training_data(config)
    stance_df = stance_df if stance_df is not None else pd.DataFrame(columns=ds.COLUMNS)
    nli_df = nli_df if nli_df is not None else pd.DataFrame(columns=["premise", "hypothesis", "label"])
    bad = set(stance_df["label"]) - set(ds.STANCE_LABELS)
    if bad:
        raise ValueError(f"stance labels must be favor/against/none, got {sorted(bad)}")
    counts: dict[str, Any] = {
        "stance_examples": (stance_df.groupby("dataset")["label"].value_counts().unstack(fill_value=0)
                            .to_dict(orient="index") if "dataset" in stance_df and len(stance_df) else {}),
        "nli_pairs": (nli_df["dataset"].value_counts().to_dict() if "dataset" in nli_df and len(nli_df)
                      else {"nli": len(nli_df)}),
    }
    log.info("data: %d stance examples (%d pairs) + %d NLI pairs", len(stance_df), 3 * len(stance_df), len(nli_df))

    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base), num_labels=3, id2label=ID2LABEL, label2id=LABEL2ID, dtype=torch.float32,
    )
    model.config.problem_type = "single_label_classification"
    if config.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    if config.freeze_layers:
        for layer in model.base_model.encoder.layer[:config.freeze_layers]:
            layer.requires_grad_(False)
    model.to(device)

    stance_units, nli_units = build_units(stance_df, nli_df, tokenizer, templates, config.max_length)
    plan = make_plan(stance_units, nli_units, config)
    total = len(plan)
    n_pairs = sum(len(u.labels) for b in plan for u in b)
    warmup = max(1, int(total * config.warmup_ratio))
    pad_tokens = sum(len(b) and max(u.length for u in b) * sum(len(u.labels) for u in b) for b in plan)
    real_tokens = sum(len(x) for b in plan for u in b for x in u.ids)
    log.info("plan: %d steps, %d pairs, padding overhead %.1f%%, device %s, threads %d",
             total, n_pairs, 100 * (pad_tokens / max(real_tokens, 1) - 1), device, torch.get_num_threads())

    no_decay = ("bias", "LayerNorm.weight", "LayerNorm.bias")
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    params = [
        {"params": [p for n, p in trainable if not any(k in n for k in no_decay)], "weight_decay": config.weight_decay},
        {"params": [p for n, p in trainable if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(params, lr=config.lr)
    # reserve time at the end for the held-out check and saving
    reserve = 0.0
    if budget:
        reserve = min(240.0, 0.12 * budget) if config.eval_per_set else min(60.0, 0.05 * budget)
    train_budget = (budget - reserve - (time.time() - t_start)) if budget else None

    model.train()
    losses: list[dict[str, float]] = []
    t_train = time.time()
    last_ckpt = t_train
    seen_pairs = 0
    run_loss, run_n = 0.0, 0
    stopped = "completed"
    step = 0
    pad_id = tokenizer.pad_token_id or 0
    for step, units in enumerate(plan):
        elapsed = time.time() - t_train
        factor = _lr_factor(step, total, warmup, elapsed, train_budget, config.warmup_ratio)
        if train_budget and elapsed >= train_budget:
            stopped = f"time budget reached after {step} of {total} steps"
            break
        for g in opt.param_groups:
            g["lr"] = config.lr * factor
        batch = {k: v.to(device) for k, v in collate(units, pad_id).items()}
        loss = batch_loss(model, batch, config.listwise_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        seen_pairs += len(batch["labels"])
        run_loss += float(loss.detach())
        run_n += 1
        if config.checkpoint_minutes and time.time() - last_ckpt > 60 * config.checkpoint_minutes:
            save_fp16(model, tokenizer, Path(config.out))
            last_ckpt = time.time()
            log.info("checkpoint saved to %s after %d steps", config.out, step + 1)
        if (step + 1) % config.log_every == 0 or step + 1 == total:
            el = time.time() - t_train
            rate = seen_pairs / max(el, 1e-9)
            eta = (total - step - 1) * el / (step + 1)
            if train_budget:
                eta = min(eta, max(0.0, train_budget - el))
            losses.append({"step": step + 1, "loss": run_loss / run_n, "pairs": seen_pairs, "seconds": round(el, 1)})
            log.info("step %d/%d  loss %.4f  lr %.2e  %.1f pairs/s  elapsed %.0fs  eta %.0fs",
                     step + 1, total, run_loss / run_n, config.lr * factor, rate, el, eta)
            run_loss, run_n = 0.0, 0
    else:
        step = total
    if run_n:
        losses.append({"step": step, "loss": run_loss / run_n, "pairs": seen_pairs,
                       "seconds": round(time.time() - t_train, 1)})
    train_seconds = time.time() - t_train
    log.info("training %s: %d pairs in %.0fs (%.1f pairs/s)", stopped, seen_pairs, train_seconds,
             seen_pairs / max(train_seconds, 1e-9))

    out = Path(config.out)
    model.train(False)
    save_fp16(model, tokenizer, out)  # save first: the held-out check below must not risk the weights
    log.info("saved weights to %s (%.1f MB)", out, folder_mb(out))

    results: dict[str, dict[str, float]] = {}
    if val is None and config.eval_per_set:
        names = [n for n in config.datasets if "val" in ds.stance_splits(n)]
        val = val_sets(names, config.eval_per_set, config.seed, config.data_root) if names else {}
    for name, vdf in (val or {}).items():
        if budget and time.time() - t_start > budget:
            log.info("held-out check: time budget used up, skipping %s", name)
            continue
        results[name] = evaluate_stance(model, tokenizer, vdf, templates, 64, config.max_length, device)
        r = results[name]
        log.info("held-out %s (n=%d): macro-F1 %.3f  F_avg %.3f  acc %.3f  pred favor/against/none %.2f/%.2f/%.2f",
                 name, len(vdf), r["macro_f1"], r["f_avg"], r["accuracy"], r["pred_favor"], r["pred_against"],
                 r["pred_none"])

    info = {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()},
        "base_model": str(base), "templates": templates, "counts": counts,
        "steps_done": step, "steps_planned": total, "pairs_seen": seen_pairs, "stopped": stopped,
        "train_seconds": round(train_seconds, 1), "total_seconds": round(time.time() - t_start, 1),
        "device": str(device), "threads": torch.get_num_threads(), "host": platform.machine(),
        "torch": torch.__version__, "loss_curve": losses, "val": results,
        "seen": count_seen(plan[:step]), "previous_stages": previous_stages(base),
    }
    (out / "training_log.json").write_text(json.dumps(info, indent=2, default=str) + "\n")
    (out / "README.md").write_text(model_card(info))
    log.info("done: %s (%.1f MB) in %.0fs total", out, folder_mb(out), time.time() - t_start)
    return out
