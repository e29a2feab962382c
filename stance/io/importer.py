"""Import a JSONL/CSV(.gz) file of articles into a corpus folder, finding and flagging bad data.

``python -m stance import FILE DEST`` writes

* ``DEST/documents.jsonl.gz`` — the documents to label, fields ``id, source, rating, topic,
  date, title, url, authors, text`` (``load_corpus(DEST)`` reads it);
* ``DEST/excluded.jsonl.gz`` — the documents kept out of labelling, same fields plus
  ``quality``, ``duplicate_of`` and ``reason`` (only written when there are any);
* ``DEST/import_summary.json`` — counts, date problems, every flagged document and the
  rules below, so nothing leaves the input without a record.

Columns are mapped to fields by :data:`DEFAULT_MAP` (which knows the AllSides /
Article-Bias-Prediction names) or by ``--map FIELD=COLUMN``.

Rules for bad data (each flagged document is listed in the summary with its reason):

=====================  ==========================================================  ========
Problem                Rule                                                        Labelled
=====================  ==========================================================  ========
bad JSON line /        error naming every bad line (``--skip-bad-lines`` skips     —
bad CSV row            them instead and lists each one in the summary)
duplicate or empty id  error naming the file and every row involved                 —
no id column           ids are made from the file name and row number (warning)    yes
unknown column         not imported; named in a warning                            —
malformed date         date left empty (document kept), counted with examples      yes
non-ISO date           parsed (``M/D/YY`` is read US-style, as AllSides writes it)  yes
                       and rewritten as YYYY-MM-DD, counted with examples
empty / near-empty     fewer than ``--min-chars`` characters left after             **no**
text                   :func:`stance.text.clean.clean_text`: ``quality=too_short``
mostly boilerplate     ``clean_text(...).removed_share`` ≥ ``--boilerplate-share``:   yes
                       ``quality=boilerplate`` (the cleaner already drops those
                       lines; what remains is the article's own prose)
copy of another        same normalised cleaned text, or word 5-gram shingle          yes, if
article                Jaccard ≥ ``--near-duplicate`` (MinHash + LSH finds the       another
                       candidates, exact Jaccard confirms): ``duplicate_of=<id>``    outlet
                       of the cluster's earliest-dated member. A copy from another
                       outlet (a wire story) is labelled, because that outlet chose
                       to run it; a copy from the *same* outlet (a double crawl)
                       is not, because it would count one article twice.
=====================  ==========================================================  ========
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from pathlib import Path

from stance.io.corpus import MANIFEST_NAMES, CorpusError, decode_bytes
from stance.io.dates import normalise_dates
from stance.io.duplicates import flag_duplicates, flag_quality
from stance.io.import_records import EXAMPLES, Article, ImportReport
from stance.io.rows import RowError, parse_csv, parse_jsonl, read_raw

#: Fields written to ``documents.jsonl.gz``, in this order.
FIELDS = ("id", "source", "rating", "topic", "date", "title", "url", "authors", "text")
#: Candidate input columns for each field, first match wins (AllSides names included:
#: ``allsides_bias`` / ``bias_text`` for the outlet rating, ``content_original`` for the body).
DEFAULT_MAP: dict[str, tuple[str, ...]] = {
    "id": ("id", "ID", "article_id", "doc_id"),
    "source": ("source", "outlet", "publisher", "source_name"),
    "rating": ("rating", "allsides_bias", "bias_text", "bias"),
    "topic": ("topic",),
    "date": ("date", "published", "publish_date", "date_publish"),
    "title": ("title", "headline"),
    "url": ("url", "link"),
    "authors": ("authors", "author"),
    "text": ("text", "content_original", "content", "body", "maintext"),
}
DEFAULT_MIN_CHARS = 200
DEFAULT_BOILERPLATE_SHARE = 0.5
DEFAULT_NEAR_DUPLICATE = 0.9


# --------------------------------------------------------------------------- reading

def _open_text(path: Path, warnings: list[str]) -> tuple[str, str]:
    """Return (decoded text, table kind 'jsonl' or 'csv') of a possibly gzipped file."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        raw, name = read_raw(path)
    except RowError as exc:
        raise CorpusError(exc.problems) from exc
    if name.endswith((".jsonl", ".json", ".ndjson")):
        kind = "jsonl"
    elif name.endswith(".csv"):
        kind = "csv"
    else:
        raise CorpusError([f"{path}: unsupported file type (use .jsonl, .csv, optionally .gz)"])
    return decode_bytes(raw, str(path), warnings), kind


def _parse(parse, text: str, path: Path, skip_bad: bool, skipped: list[str], what: str) -> list[tuple[int, dict]]:
    try:
        return parse(text, path, skip_bad, skipped)
    except RowError as exc:
        raise CorpusError(exc.problems + [f"(pass --skip-bad-lines to import the other {what} and list these in the "
                                          "summary)"]) from exc


def read_rows(path: str | Path, skip_bad: bool = False,
              report: ImportReport | None = None) -> list[tuple[int, dict]]:
    """Read a JSONL/CSV(.gz) file into ``(row number, record)`` pairs.

    Raises :class:`CorpusError` naming every unparsable line unless ``skip_bad``, in which
    case those lines are listed in ``report.skipped_lines``.
    """
    path = Path(path)
    warnings = report.warnings if report else []
    skipped = report.skipped_lines if report else []
    text, kind = _open_text(path, warnings)
    if kind == "jsonl":
        rows = _parse(parse_jsonl, text, path, skip_bad, skipped, "lines")
    else:
        rows = _parse(parse_csv, text, path, skip_bad, skipped, "rows")
    if not rows:
        raise CorpusError([f"{path}: no records"])
    return rows


# --------------------------------------------------------------------------- mapping

def parse_map_args(items: list[str] | None) -> dict[str, str]:
    """Turn ``--map`` items into ``{field: column}``.

    ``FIELD=COLUMN`` is the documented order (``rating=allsides_bias``); ``COLUMN=FIELD``
    is accepted too when only the right-hand side is a field name.
    """
    out: dict[str, str] = {}
    for item in items or []:
        left, sep, right = item.partition("=")
        left, right = left.strip(), right.strip()
        if not sep or not left or not right:
            raise CorpusError([f"--map {item!r}: expected FIELD=COLUMN, e.g. rating=allsides_bias"])
        if left in FIELDS:
            out[left] = right
        elif right in FIELDS:
            out[right] = left
        else:
            raise CorpusError([f"--map {item!r}: neither side is a field ({', '.join(FIELDS)})"])
    return out


def resolve_mapping(columns: list[str], overrides: dict[str, str], path: Path) -> dict[str, str]:
    """Return ``{field: column}`` for the fields found in ``columns``.

    ``overrides`` (from ``--map``) win over :data:`DEFAULT_MAP`; an override naming a
    column the file lacks, or no text column at all, raises :class:`CorpusError`.
    """
    have = set(columns)
    missing = [f"--map {f}={c}: {path} has no column {c!r} (columns: {', '.join(columns)})"
               for f, c in overrides.items() if c not in have]
    if missing:
        raise CorpusError(missing)
    mapping = dict(overrides)
    used = set(mapping.values())
    for fld, candidates in DEFAULT_MAP.items():
        if fld in mapping:
            continue
        col = next((c for c in candidates if c in have and c not in used), None)
        if col:
            mapping[fld] = col
            used.add(col)
    if "text" not in mapping:
        raise CorpusError([f"{path}: no text column (columns: {', '.join(columns)}); pass --map text=COLUMN"])
    return {f: mapping[f] for f in FIELDS if f in mapping}


def _value(v: object) -> str:
    """Render a cell as a stripped string: lists are joined with ', ', missing is ''."""
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, list):
        return ", ".join(_value(x) for x in v if _value(x))
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v).strip()


def build_articles(rows: list[tuple[int, dict]], columns: list[str], mapping: dict[str, str], path: Path,
                   report: ImportReport) -> list[Article]:
    """Map rows to :class:`Article` objects; raise on empty or duplicate ids (all listed)."""
    unknown = [c for c in columns if c not in mapping.values()]
    if unknown:
        report.warnings.append(f"{path}: column(s) not imported: {', '.join(unknown)}")
    if "id" not in mapping:
        report.warnings.append(f"{path}: no id column; ids made as '{path.name.split('.')[0]}-<row>'")
    articles, problems = [], []
    first_row: dict[str, int] = {}
    repeats: dict[str, list[int]] = {}
    for no, rec in rows:
        vals = {f: _value(rec.get(mapping[f])) if f in mapping else "" for f in FIELDS}
        if "id" not in mapping:
            vals["id"] = f"{path.name.split('.')[0]}-{no}"
        if not vals["id"]:
            problems.append(f"{path}: row {no} has an empty id")
            continue
        if vals["id"] in first_row:
            repeats.setdefault(vals["id"], [first_row[vals["id"]]]).append(no)
        else:
            first_row[vals["id"]] = no
        vals["source"] = vals["source"] or "unknown"
        articles.append(Article(no, vals))
    problems += [f"{path}: id {i!r} appears on rows {', '.join(map(str, rs))}" for i, rs in repeats.items()]
    if problems:
        raise CorpusError(problems)
    return articles


# --------------------------------------------------------------------------- writing

def _write_jsonl_gz(path: Path, records: list[dict]) -> None:
    """Write records as gzip JSON lines; mtime 0 so a re-import gives identical bytes."""
    buf = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(buf)


def _flag_record(a: Article) -> dict:
    return {"id": a.id, "source": a.fields["source"], "row": a.row, "quality": a.quality,
            "duplicate_of": a.duplicate_of, "similarity": a.similarity, "clean_chars": a.clean_chars,
            "removed_share": a.removed_share, "labelled": a.labelled, "reason": a.reason}


def build_summary(articles: list[Article], report: ImportReport, dest: Path) -> dict:
    """Return the ``import_summary.json`` dictionary: counts, rules, dates, flagged documents."""
    flagged = [a for a in articles if a.quality or a.duplicate_of]
    labelled = [a for a in articles if a.labelled]
    dups = [a for a in articles if a.duplicate_of]
    return {
        "input": report.source_file,
        "input_sha256": hashlib.sha256(Path(report.source_file).read_bytes()).hexdigest(),
        "dest": str(dest),
        "mapping": report.mapping,
        "settings": report.settings,
        "rows_read": report.rows_read,
        "lines_skipped": len(report.skipped_lines),
        "documents": len(articles),
        "documents_labelled": len(labelled),
        "documents_excluded": len(articles) - len(labelled),
        "outlets": len({a.fields["source"] for a in articles}),
        "ratings": dict(Counter(a.fields["rating"] or "(none)" for a in labelled).most_common()),
        "dates": report.dates,
        "date_examples": report.date_examples,
        "flags": {
            "too_short": sum(a.quality == "too_short" for a in articles),
            "boilerplate": sum(a.quality == "boilerplate" for a in articles),
            "duplicate_same_text": sum(a.similarity == 1.0 for a in dups),
            "duplicate_near": sum(a.similarity < 1.0 for a in dups),
            "duplicate_same_outlet": sum(not a.labelled for a in dups),  # too_short never joins a cluster
            "duplicate_clusters": len({a.duplicate_of for a in dups}),
        },
        "near_misses": {"count": len(report.near_misses), "examples": report.near_misses[:EXAMPLES],
                        "note": "pairs with 0.5 <= shingle Jaccard < threshold among LSH candidates; not flagged"},
        "rules": {
            "too_short": "fewer than settings.min_chars characters after cleaning: not labelled (in excluded.jsonl.gz)",
            "boilerplate": "cleaning removed >= settings.boilerplate_share of the text: labelled, flagged",
            "duplicate_of": "same normalised text or shingle Jaccard >= settings.near_duplicate with the cluster's "
                            "earliest-dated member: labelled when from another outlet, not labelled when from the same outlet",
            "dates": "parsed to YYYY-MM-DD; malformed dates left empty, document kept",
        },
        "warnings": report.warnings,
        "skipped_lines": report.skipped_lines,
        "flagged": [_flag_record(a) for a in flagged],
    }


def write_corpus(articles: list[Article], summary: dict, dest: Path) -> list[Path]:
    """Write documents.jsonl.gz, excluded.jsonl.gz (when needed) and import_summary.json."""
    dest.mkdir(parents=True, exist_ok=True)
    docs = dest / "documents.jsonl.gz"
    _write_jsonl_gz(docs, [{f: a.fields[f] for f in FIELDS} for a in articles if a.labelled])
    written = [docs]
    excluded = dest / "excluded.jsonl.gz"
    out = [a for a in articles if not a.labelled]
    if out:
        _write_jsonl_gz(excluded, [{**{f: a.fields[f] for f in FIELDS}, "quality": a.quality,
                                    "duplicate_of": a.duplicate_of, "reason": a.reason} for a in out])
        written.append(excluded)
    elif excluded.exists():
        excluded.unlink()  # a stale file from an earlier import would contradict the summary
    path = dest / "import_summary.json"
    path.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return [*written, path]


def _check_dest(dest: Path, force: bool) -> None:
    """Refuse to overwrite an imported corpus (without ``force``) or to sit beside a manifest."""
    shadows = [n for n in MANIFEST_NAMES if n != "documents.jsonl.gz" and (dest / n).exists()]
    if shadows:
        raise CorpusError([f"{dest}: holds {', '.join(shadows)}, which load_corpus would read instead of "
                           "documents.jsonl.gz; import into another folder"])
    if (dest / "documents.jsonl.gz").exists() and not force:
        raise CorpusError([f"{dest}: already holds documents.jsonl.gz; pass --force to replace it"])


def import_articles(path: str | Path, dest: str | Path, mapping: dict[str, str] | None = None,
                    min_chars: int = DEFAULT_MIN_CHARS, boilerplate_share: float = DEFAULT_BOILERPLATE_SHARE,
                    near_duplicate: float = DEFAULT_NEAR_DUPLICATE, skip_bad_lines: bool = False,
                    force: bool = False) -> dict:
    """Import ``path`` into the corpus folder ``dest`` and return the summary dictionary.

    ``mapping`` is ``{field: column}`` overriding :data:`DEFAULT_MAP`. Raises
    :class:`CorpusError` for unreadable input, missing text column, empty or duplicate ids
    (every problem listed), and ``FileNotFoundError`` for a missing input file.
    """
    path, dest = Path(path), Path(dest)
    _check_dest(dest, force)
    report = ImportReport(str(path), {}, settings={"min_chars": min_chars, "boilerplate_share": boilerplate_share,
                                                   "near_duplicate": near_duplicate})
    rows = read_rows(path, skip_bad_lines, report)
    report.rows_read = len(rows) + len(report.skipped_lines)
    columns = list(dict.fromkeys(k for _, r in rows for k in r))
    report.mapping = resolve_mapping(columns, mapping or {}, path)
    articles = build_articles(rows, columns, report.mapping, path, report)
    normalise_dates(articles, report)
    cleaned = flag_quality(articles, min_chars, boilerplate_share)
    flag_duplicates(articles, cleaned, near_duplicate, report)
    summary = build_summary(articles, report, dest)
    write_corpus(articles, summary, dest)
    return summary


def format_summary(s: dict) -> str:
    """Render the summary dictionary as a few readable lines for the terminal."""
    f, d = s["flags"], s["dates"]
    lines = [
        f"imported {s['documents']} documents from {s['outlets']} outlets ({s['input']}) into {s['dest']}",
        f"  labelled {s['documents_labelled']}, excluded {s['documents_excluded']}"
        + (f", unreadable lines skipped {s['lines_skipped']}" if s["lines_skipped"] else ""),
        f"  mapping: {', '.join(f'{k}<-{v}' for k, v in s['mapping'].items())}",
        f"  dates: {d['iso']} ISO, {d['reformatted']} reformatted, {d['missing']} missing, {d['malformed']} malformed",
        f"  too_short {f['too_short']} (not labelled), boilerplate {f['boilerplate']} (labelled)",
        f"  duplicates: {f['duplicate_same_text']} same text + {f['duplicate_near']} near "
        f"in {f['duplicate_clusters']} clusters; {f['duplicate_same_outlet']} same-outlet copies not labelled; "
        f"{s['near_misses']['count']} pairs at Jaccard 0.5-{s['settings']['near_duplicate']} not flagged",
    ]
    for key, ex in s["date_examples"].items():
        lines.append(f"  {key} dates, e.g. " + "; ".join(ex[:3]))
    lines += [f"  warning: {w}" for w in s["warnings"]]
    lines += [f"  skipped: {x}" for x in s["skipped_lines"][:EXAMPLES]]
    return "\n".join(lines)
