"""Command line: ``python -m stance label|eval|train|bench|import ...``.

Exit codes: 0 success; 1 unexpected error; 2 bad input (corpus, settings, arguments);
3 model cannot be loaded or is not an NLI model; 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

import pandas as pd

from .corpus import CorpusError, load_corpus
from .export import FORMATS, write_results
from .nli import ModelError
from .ray_engine import add_ray_flags
from .settings import SettingsError, load_settings

EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_MODEL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: Modules that add their own subcommands through ``add_parser(subparsers)`` / ``run(args)``.
PLUGIN_MODULES = ("evaluate", "train", "bench", "importer")


def add_settings_flags(p: argparse.ArgumentParser) -> None:
    """Add the flags that override settings (shared by every model-using subcommand)."""
    g = p.add_argument_group("settings (override stance/settings.toml, --config and STANCE_* env vars)")
    g.add_argument("--config", help="TOML settings file (default: $STANCE_CONFIG)")
    g.add_argument("--model", help="NLI model: local folder or hub id (default: the project's own model)")
    g.add_argument("--device", help="auto, cpu, cuda, cuda:N")
    g.add_argument("--batch-size", type=int, help="pairs per model batch")
    g.add_argument("--max-length", type=int, help="max tokens per premise+hypothesis pair")
    g.add_argument("--threads", type=int, help="torch CPU threads (0 = all cores)")
    g.add_argument("--context", choices=["sentence", "window"], help="score the sentence alone or with the previous one")
    g.add_argument("--cache-dir", help="score cache folder ('' disables the cache)")
    g.add_argument("--no-cache", action="store_true", help="do not read or write the score cache")
    g.add_argument("--targets", help="comma-separated targets (configured ones keep their aliases; new ones match their name)")
    g.add_argument("--neutral-threshold", type=float, help="|document score| below this is neutral")


def settings_from_args(args: argparse.Namespace):
    """Build :class:`~stance.settings.Settings` from parsed CLI flags."""
    keys = ("model", "device", "batch_size", "max_length", "threads", "context", "cache_dir")
    overrides = {k: getattr(args, k, None) for k in keys}
    if getattr(args, "no_cache", False):
        overrides["cache_dir"] = ""
    if getattr(args, "neutral_threshold", None) is not None:
        overrides["aggregate"] = {"neutral_threshold": args.neutral_threshold}
    settings = load_settings(getattr(args, "config", None), overrides)
    targets = getattr(args, "targets", None)
    if targets:
        settings = settings.with_targets([t.strip() for t in targets.split(",") if t.strip()])
    return settings


def format_matrix(sources: pd.DataFrame) -> str:
    """Render the source × target table as text: ``label score (n docs, conf)`` per cell."""
    def cell(r) -> str:
        if r.label == "not_mentioned":
            return "not mentioned"
        return f"{r.label} {r.score:+.2f} ({r.n_documents}d/{r.n_sentences}s, conf {r.confidence:.2f})"
    wide = sources.assign(cell=[cell(r) for r in sources.itertuples()]).pivot(index="source", columns="target", values="cell")
    return wide.fillna("").to_string()


def cmd_label(args: argparse.Namespace) -> int:
    """Run ``label``: load, score, aggregate, write tables and print the stance matrix."""
    from .pipeline import label_corpus

    settings = settings_from_args(args)
    corpus = load_corpus(args.source)
    for w in corpus.warnings:
        print(f"warning: {w}", file=sys.stderr)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise SettingsError(f"--format: unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    t0 = time.perf_counter()
    if args.engine == "ray":
        from .ray_engine import label_from_args  # raises SettingsError with the install command if ray is missing
        results = label_from_args(corpus, settings, args)
    else:
        results = label_corpus(corpus, settings, progress=not args.quiet)
    paths = write_results(results, args.out, formats)
    run = results.run
    if not args.quiet:
        print(format_matrix(results.sources))
        print(f"\n{run['documents']} documents, {run['sentences']} sentences, {run['target_sentences']} "
              f"target sentences; {run['pairs_scored']} scored, {run['pairs_cached']} from cache; "
              f"{time.perf_counter() - t0:.1f}s; model {run['model']}")
        print(f"wrote {len(paths)} files to {args.out}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="python -m stance", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("label", help="label a corpus and write sentence/document/source tables",
                       description="Label every document of a corpus toward each target and write the tables.")
    p.add_argument("source", help="corpus folder (with manifest.csv), CSV/JSONL file, or folder of .txt/.md files")
    p.add_argument("--out", required=True, help="output folder for the tables")
    p.add_argument("--format", default="csv", help=f"comma-separated output formats: {', '.join(FORMATS)} (default csv)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no matrix")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="where scoring runs (ray needs requirements-ray.txt)")
    add_settings_flags(p)
    add_ray_flags(p)
    p.set_defaults(func=cmd_label)
    for name in PLUGIN_MODULES:
        try:
            mod = importlib.import_module(f"stance.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"stance.{name}":
                raise
            continue
        if hasattr(mod, "add_parser"):
            before = set(sub.choices)
            mod.add_parser(sub)
            for cmd in set(sub.choices) - before:
                if sub.choices[cmd].get_default("func") is None and hasattr(mod, "run"):
                    sub.choices[cmd].set_defaults(func=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
