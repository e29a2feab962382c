"""The lab's command line: ``python -m lab eval|train|bench ...`` (research; the engine's is ``python -m stance``).

Exit codes as the engine's CLI: 0 success; 2 bad input; 3 model cannot be loaded; 130 interrupted.
"""

from __future__ import annotations

import argparse
from types import ModuleType

from stance.cli import build_parser, run_command


def _command(module: ModuleType):
    # each research module registers its own subcommand and runs it with ``run(args)``
    def add(sub: argparse._SubParsersAction) -> None:
        before = set(sub.choices)
        module.add_parser(sub)
        for name in set(sub.choices) - before:
            if sub.choices[name].get_default("func") is None:
                sub.choices[name].set_defaults(func=module.run)
    return add


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the lab subcommand; returns the process exit code."""
    from lab.benchmarks import bench
    from lab.evaluation import evaluate
    from lab.training import train

    parser = build_parser("python -m lab", (_command(evaluate), _command(train), _command(bench)), __doc__)
    return run_command(parser.parse_args(argv))
