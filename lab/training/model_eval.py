"""Score an in-memory model during training: stance probabilities, metrics, held-out sets.

The product scores through :class:`stance.scoring.scorer.Scorer` (cached, batched by the engine);
this path scores a model object that is still training, before it is saved anywhere.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from lab.training import datasets as ds
from lab.training.config import ENT, HYP_ORDER
from lab.training.data import _Unit, collate, load_templates

log = logging.getLogger("lab.training")


@torch.no_grad()
def stance_probs(model: torch.nn.Module, tokenizer: Any, texts: Sequence[str], targets: Sequence[str],
                 templates: dict[str, str] | None = None, batch_size: int = 64, max_length: int = 128,
                 device: str | torch.device = "cpu") -> np.ndarray:
    """Score every (text, target) with the three hypotheses; return (N, 3) probabilities.

    Columns are favor, against, none: the softmax over the three entailment logits — the
    protocol used by the engine and by :func:`compare_models`.
    """
    tpl = load_templates(templates)
    ent_id = int(model.config.label2id.get("entailment", ENT)) if model.config.label2id else ENT
    prem = [str(t) for t in texts for _ in HYP_ORDER]
    hyp = [tpl[h].format(target=g) for g in targets for h in HYP_ORDER]
    if not prem:
        return np.zeros((0, 3))
    enc = tokenizer(prem, hyp, truncation=True, max_length=max_length)
    ids_all = enc["input_ids"]
    types_all = enc.get("token_type_ids") or [[0] * len(x) for x in ids_all]
    order = sorted(range(len(prem)), key=lambda i: len(ids_all[i]))
    ent = np.zeros(len(prem), dtype=np.float32)
    model.eval()
    pad = tokenizer.pad_token_id or 0
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        units = [_Unit([ids_all[i]], [types_all[i]], [0], -1) for i in idx]
        b = collate(units, pad)
        logits = model(input_ids=b["input_ids"].to(device), token_type_ids=b["token_type_ids"].to(device),
                       attention_mask=b["attention_mask"].to(device)).logits
        ent[idx] = logits[:, ent_id].float().cpu().numpy()
    ent = ent.reshape(-1, 3)
    ent = np.exp(ent - ent.max(axis=1, keepdims=True))
    return ent / ent.sum(axis=1, keepdims=True)


def stance_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    """Return accuracy, per-class F1, macro-F1 (over the gold labels present) and F_avg.

    F_avg is the mean F1 of favor and against (SemEval-2016 convention). Macro-F1 averages
    the classes that occur in ``gold`` (two for FAVOR/AGAINST-only sets).
    """
    gold, pred = list(gold), list(pred)
    out: dict[str, float] = {"n": float(len(gold)),
                             "accuracy": float(np.mean([g == p for g, p in zip(gold, pred, strict=True)]))}
    for lab in ds.STANCE_LABELS:
        tp = sum(g == p == lab for g, p in zip(gold, pred, strict=True))
        n_pred = sum(p == lab for p in pred)
        n_gold = sum(g == lab for g in gold)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        out[f"f1_{lab}"] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[f"pred_{lab}"] = n_pred / max(len(pred), 1)
    present = [lab for lab in ds.STANCE_LABELS if lab in set(gold)]
    out["macro_f1"] = float(np.mean([out[f"f1_{lab}"] for lab in present])) if present else 0.0
    out["f_avg"] = (out["f1_favor"] + out["f1_against"]) / 2
    return out


def rank_auc(positive: Sequence[bool], score: Sequence[float]) -> float:
    """Return the ROC AUC of ``score`` for the ``positive`` mask (ties count half; NaN without both classes).

    The chance that a random positive example scores above a random negative one: it judges a
    score's ordering whatever threshold or argmax is later put on it.
    """
    pos = np.asarray(positive, dtype=bool)
    ranks = pd.Series(np.asarray(score, dtype=float)).rank(method="average").to_numpy()
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if not n_pos or not n_neg:
        return float("nan")
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def evaluate_stance(model: torch.nn.Module, tokenizer: Any, df: pd.DataFrame, templates: dict[str, str] | None = None,
                    batch_size: int = 64, max_length: int = 128, device: str | torch.device = "cpu") -> dict[str, float]:
    """Predict favor/against/none for a ``text, target, label`` frame.

    Returns :func:`stance_metrics` of the argmax labels, plus ``auc_favor`` and ``auc_against``:
    how well the sentence score the engine averages, p(favor) − p(against), ranks favor (and,
    negated, against) examples above the rest (:func:`rank_auc`).
    """
    probs = stance_probs(model, tokenizer, df["text"].tolist(), df["target"].tolist(), templates,
                         batch_size, max_length, device)
    pred = [ds.STANCE_LABELS[i] for i in probs.argmax(axis=1)]
    out = stance_metrics(df["label"].tolist(), pred)
    score = probs[:, 0] - probs[:, 1]
    gold = df["label"].to_numpy()
    out["auc_favor"] = rank_auc(gold == "favor", score)
    out["auc_against"] = rank_auc(gold == "against", -score)
    return out


def val_sets(names: Sequence[str] | None = None, per_set: int | None = None, seed: int = 0,
             data_root: Path | None = None) -> dict[str, pd.DataFrame]:
    """Return the val splits of the named stance sets (default: every set that has one).

    A name that is a labelled file (see :func:`lab.training.datasets.load_labelled_file`) is used whole,
    keyed by its file name. ``per_set`` caps each set with a label-stratified random sample
    (same seed → same rows).
    """
    names = list(names) if names else [n for n in ds.available_stance_datasets() if "val" in ds.stance_splits(n)]
    out = {}
    for n in names:
        if ds.is_labelled_file(n):
            df = ds.load_stance_dataset(n, "train")
            n = Path(n).name
        else:
            df = ds.load_stance_dataset(n, "val", data_root)
        if per_set and per_set < len(df):
            total = len(df)
            df = pd.concat([g.sample(n=max(1, round(per_set * len(g) / total)), random_state=seed)
                            for _, g in df.groupby("label")])
        out[n] = df.reset_index(drop=True)
    return out


def compare_models(models: dict[str, str | Path], sets: dict[str, pd.DataFrame], templates: dict[str, str] | None = None,
                   batch_size: int = 64, max_length: int = 128, threads: int | None = None) -> pd.DataFrame:
    """Evaluate each model folder on each ``text, target, label`` frame with the same protocol.

    Protocol: the three hypotheses per example, softmax over the entailment logits, argmax
    → favor/against/none. Returns one row per (model, set) with macro-F1, F_avg, accuracy,
    per-class F1 and the predicted-label shares, plus a ``MEAN`` row per model.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if threads:
        torch.set_num_threads(threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rows = []
    for mname, path in models.items():
        tok = AutoTokenizer.from_pretrained(str(path))
        model = AutoModelForSequenceClassification.from_pretrained(str(path), dtype=torch.float32).to(device)
        for sname, df in sets.items():
            t0 = time.time()
            m = evaluate_stance(model, tok, df, templates, batch_size, max_length, device)
            rows.append({"model": mname, "set": sname, **m, "seconds": round(time.time() - t0, 1)})
            log.info("%s on %s: macro-F1 %.3f F_avg %.3f (%.0fs)", mname, sname, m["macro_f1"], m["f_avg"],
                     time.time() - t0)
    res = pd.DataFrame(rows)
    means = res.groupby("model", sort=False)[["macro_f1", "f_avg", "accuracy"]].mean().reset_index()
    means["set"] = "MEAN"
    return pd.concat([res, means], ignore_index=True)
