"""Command line: ``python -m stance label|import|calibrate ...`` (one small module per command).

Exit codes: 0 success; 1 unexpected error; 2 bad input (corpus, settings, arguments);
3 model cannot be loaded or is not an NLI model; 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable

from stance.io.corpus import CorpusError
from stance.scoring.nli import ModelError
from stance.settings import SettingsError

EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_MODEL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def build_parser(prog: str = "python -m stance", commands: Iterable[Callable] | None = None,
                 description: str | None = None) -> argparse.ArgumentParser:
    """Return an argument parser with a subcommand for each ``add_parser`` in ``commands``.

    ``commands`` defaults to the engine's (label, import, calibrate and the lab aliases); the
    lab builds its own parser the same way.
    """
    if commands is None:
        from stance.cli import calibrate, import_corpus, lab_commands, label
        commands = (label.add_parser, import_corpus.add_parser, calibrate.add_parser, lab_commands.add_parser)
    parser = argparse.ArgumentParser(prog=prog, description=description or __doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in commands:
        add(sub)
    return parser


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed subcommand; returns the exit code, turning known errors into one-line messages."""
    try:
        return int(args.func(args) or 0)
    except (CorpusError, SettingsError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        if isinstance(exc, CorpusError) and len(exc.problems) > 1:
            for prob in exc.problems:
                print(f"  - {prob}", file=sys.stderr)
        return EXIT_INPUT
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; returns the process exit code."""
    from stance.cli import lab_commands

    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in lab_commands.COMMANDS:
        # the lab's commands take their own flags, which this parser must not read
        return lab_commands.forward(args[0], args[1:])
    return run_command(build_parser().parse_args(args))
