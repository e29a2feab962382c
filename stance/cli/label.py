"""``python -m stance label``: label a corpus and write the sentence, document and source tables."""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from stance.cli.flags import add_settings_flags, settings_from_args
from stance.engines.ray import add_ray_flags
from stance.io.corpus import load_corpus
from stance.io.export import FORMATS, write_results
from stance.io.results_folder import ResultsError, check_out_folder
from stance.settings import SettingsError


def format_matrix(sources: pd.DataFrame) -> str:
    """Render the source × target table as text: ``label score (n docs, conf)`` per cell."""
    def cell(r) -> str:
        if r.label == "not_mentioned":
            return "not mentioned"
        return f"{r.label} {r.score:+.2f} ({r.n_documents}d/{r.n_sentences}s, conf {r.confidence:.2f})"
    wide = sources.assign(cell=[cell(r) for r in sources.itertuples()]).pivot(index="source", columns="target", values="cell")
    return wide.fillna("").to_string()


def check_output(args: argparse.Namespace) -> list[str]:
    """Check ``--format`` and ``--out`` (with ``--force``) before any work; returns the formats.

    Raises :class:`SettingsError` (exit 2, one line naming the flag) for an unknown or empty
    format list, and for an ``--out`` that is empty, a file, not writable, or a non-empty folder
    that is not a results folder (unless ``--force``).
    """
    formats = list(dict.fromkeys(f.strip() for f in args.format.split(",") if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise SettingsError(f"--format: unknown format(s) {', '.join(bad) or repr(args.format)}; "
                            f"choose from {', '.join(FORMATS)}")
    try:
        check_out_folder(args.out, force=args.force)
    except ResultsError as exc:
        raise SettingsError(f"--out: {exc}") from None
    return formats


def run(args: argparse.Namespace) -> int:
    """Run ``label``: check the output, load, score, aggregate, write tables and print the stance matrix; returns 0."""
    from stance.engines.local import label_corpus

    formats = check_output(args)
    settings = settings_from_args(args)
    corpus = load_corpus(args.source)
    for w in corpus.warnings:
        print(f"warning: {w}", file=sys.stderr)
    t0 = time.perf_counter()
    if args.engine == "ray":
        from stance.engines.ray import label_from_args  # raises SettingsError with the install command if ray is missing
        results = label_from_args(corpus, settings, args)
    else:
        results = label_corpus(corpus, settings, progress=not args.quiet)
    paths = write_results(results, args.out, formats, raw=args.raw_export)
    run_info = results.run
    if not args.quiet:
        print(format_matrix(results.sources))
        print(f"\n{run_info['documents']} documents, {run_info['sentences']} sentences, {run_info['target_sentences']} "
              f"target sentences; {run_info['pairs_scored']} scored, {run_info['pairs_cached']} from cache; "
              f"{time.perf_counter() - t0:.1f}s; model {run_info['model']}")
        print(f"wrote {len(paths)} files to {args.out}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``label`` subcommand."""
    p = sub.add_parser("label", help="label a corpus and write sentence/document/source tables",
                       description="Label every document of a corpus toward each target and write the tables.")
    p.add_argument("source", help="corpus folder (with manifest.csv), CSV/JSONL file, or folder of .txt/.md files")
    p.add_argument("--out", required=True, help="output folder for the tables: new, empty or an earlier results folder "
                   "(replaced as a whole; overrides.csv and other files of yours are kept)")
    p.add_argument("--force", action="store_true",
                   help="write to --out even when it is a non-empty folder that is not a results folder")
    p.add_argument("--format", default="csv", help=f"comma-separated output formats: {', '.join(FORMATS)} (default csv)")
    p.add_argument("--raw-export", action="store_true",
                   help="machine use: write CSV/XLSX text cells as they are (default: a cell starting with = + - @ "
                   "is quoted in CSV, and XLSX holds text, never formulas)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no matrix")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="where scoring runs (ray needs requirements-ray.txt)")
    add_settings_flags(p)
    add_ray_flags(p)
    p.set_defaults(func=run)
