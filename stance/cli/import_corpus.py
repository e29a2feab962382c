"""``python -m stance import``: import a JSONL/CSV(.gz) of articles into a corpus folder."""

from __future__ import annotations

import argparse

from stance.io import importer
from stance.io.importer import (
    DEFAULT_BOILERPLATE_SHARE,
    DEFAULT_MIN_CHARS,
    DEFAULT_NEAR_DUPLICATE,
    FIELDS,
    format_summary,
    import_articles,
    parse_map_args,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``import`` subcommand."""
    p = subparsers.add_parser(
        "import", help="import a JSONL/CSV(.gz) of articles into a corpus folder, flagging bad data",
        description=importer.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="input .jsonl/.csv file, optionally gzipped")
    p.add_argument("dest", help="corpus folder to write (documents.jsonl.gz, import_summary.json)")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN", default=[],
                   help=f"take FIELD from input COLUMN (repeatable); fields: {', '.join(FIELDS)}")
    p.add_argument("--min-chars", type=int, default=DEFAULT_MIN_CHARS,
                   help=f"fewer characters after cleaning flags too_short, not labelled (default {DEFAULT_MIN_CHARS})")
    p.add_argument("--boilerplate-share", type=float, default=DEFAULT_BOILERPLATE_SHARE,
                   help=f"removed share of text at or above which a document is flagged boilerplate "
                        f"(default {DEFAULT_BOILERPLATE_SHARE})")
    p.add_argument("--near-duplicate", type=float, default=DEFAULT_NEAR_DUPLICATE,
                   help=f"word 5-gram Jaccard at or above which two texts are copies (default {DEFAULT_NEAR_DUPLICATE})")
    p.add_argument("--skip-bad-lines", action="store_true",
                   help="skip unparsable JSON lines / CSV rows (each listed in the summary) instead of stopping")
    p.add_argument("--force", action="store_true", help="replace an existing DEST/documents.jsonl.gz")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``import``: import the file, write the corpus folder and print the summary."""
    summary = import_articles(args.file, args.dest, parse_map_args(args.map), args.min_chars,
                              args.boilerplate_share, args.near_duplicate, args.skip_bad_lines, args.force)
    print(format_summary(summary))
    return 0
