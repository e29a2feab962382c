"""Parse the rows of a CSV or JSON-lines text strictly: every bad line is named, none is lost silently.

Shared by the corpus loader (:mod:`stance.io.corpus`) and the importer (:mod:`stance.io.importer`).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path


class RowError(ValueError):
    """Lines of a table that cannot be read; ``problems`` names each one (file and line)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems[:10]))


def parse_jsonl(text: str, path: str | Path, skip_bad: bool = False,
                skipped: list[str] | None = None) -> list[tuple[int, dict]]:
    """Return ``(line number, object)`` for each JSON-object line of ``text`` (blank lines ignored).

    A line that is not valid JSON or not an object is a problem naming ``path`` and the line;
    raises :class:`RowError` listing all of them, or with ``skip_bad`` appends them to ``skipped``.
    """
    rows, problems = [], []
    for no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}: line {no} is not valid JSON ({exc.msg} at column {exc.colno}): {line[:80]!r}")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{path}: line {no} is not a JSON object: {line[:80]!r}")
            continue
        rows.append((no, obj))
    return _finish(rows, problems, skip_bad, skipped)


def parse_csv(text: str, path: str | Path, skip_bad: bool = False,
              skipped: list[str] | None = None) -> list[tuple[int, dict]]:
    """Return ``(line number, row)`` for each CSV row of ``text`` (the header is line 1).

    A row with more cells than the header, or a quote left open to the end of the file, is a
    problem naming ``path`` and the line; handled as in :func:`parse_jsonl`.
    """
    rows, problems = [], []
    reader = csv.DictReader(io.StringIO(text), strict=True)
    last = 1  # the line the last good row ended on
    try:
        for row in reader:
            width = len(reader.fieldnames or [])
            start, last = last + 1, reader.line_num
            if None in row:  # more cells than header columns: the row is misaligned
                problems.append(f"{path}: line {start} has {width + len(row[None])} cells for {width} columns")
                continue
            rows.append((start, row))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            # a quote left open swallows every later line into one field
            raise RowError([f"{path}: a quote opened on line {last + 1} is never closed (the rows after it would "
                            "merge into one)"]) from exc
        raise RowError([f"{path}: not a valid CSV near line {reader.line_num} ({exc})"]) from exc
    return _finish(rows, problems, skip_bad, skipped)


def _finish(rows: list, problems: list[str], skip_bad: bool, skipped: list[str] | None) -> list:
    if problems and not skip_bad:
        raise RowError(problems)
    if skipped is not None:
        skipped.extend(problems)
    return rows


def read_raw(path: Path) -> tuple[bytes, str]:
    """Return a table file's bytes (gunzipped for ``.gz``) and its name without ``.gz``, lower-cased.

    Raises :class:`RowError` naming the file when the gzip is broken or the file is empty.
    """
    raw = path.read_bytes()
    name = path.name.lower()
    if name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise RowError([f"{path}: not a valid gzip file ({exc})"]) from exc
        name = name[:-3]
    if not raw.strip():
        raise RowError([f"{path}: file is empty"])
    return raw, name
