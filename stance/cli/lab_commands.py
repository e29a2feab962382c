"""``python -m stance eval|train|bench``: old names of the lab's commands, kept for one release.

These commands are research (evaluation on gold sets, training, benchmarks) and live in the lab:
``python -m lab eval|train|bench``. The engine never imports the lab, so the old names start the
lab as a separate program with the same arguments and say so on stderr.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys

from stance.settings import REPO_DIR

COMMANDS = {"eval": "evaluate the shipped system on a gold set",
            "train": "train a stance NLI model", "bench": "benchmark the pipeline against the naive zero-shot path"}


def forward(cmd: str, rest: list[str]) -> int:
    """Run ``python -m lab <cmd> <rest>`` and return its exit code (2 when the lab is not there)."""
    print(f"note: 'python -m stance {cmd}' is now 'python -m lab {cmd}' (the old name goes in the next release)",
          file=sys.stderr)
    if importlib.util.find_spec("lab") is None and not (REPO_DIR / "lab").is_dir():
        print(f"error: 'python -m lab {cmd}' needs the lab (a checkout of the repository)", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, "-m", "lab", cmd, *rest])


def run(args: argparse.Namespace) -> int:
    """Run a parsed alias (``python -m stance bench`` with no flags); see :func:`forward`."""
    return forward(args.command, list(args.rest))


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``eval``, ``train`` and ``bench`` as aliases that run the lab's commands."""
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=f"{help_text} (moved: python -m lab {name})", add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=run)
