"""Load a corpus of documents from a manifest folder, a CSV/JSONL file or a bare folder.

Three shapes are accepted:

* a folder with ``manifest.csv`` (columns ``id, file, source, title, url, date, language``
  and optional extras such as ``rating``, ``topic``); ``file`` is relative to the folder and
  must stay inside it: absolute paths, ``..`` and links whose target leaves the folder are
  refused;
* a ``.csv`` / ``.jsonl`` / ``.jsonl.gz`` table with a ``text`` column (and ``id``,
  ``source``, ``title``, ``date``, ...); a folder whose manifest is ``documents.jsonl.gz``
  is read the same way;
* a bare folder of ``.txt`` / ``.md`` files (id and source = the file name stem); every
  other entry (other file types, nested folders, dangling links, link loops, links out of
  the folder) is skipped and listed in one warning.

Problems that lose data (missing files, duplicate ids, empty text, a missing ``text``
column, a file outside the corpus folder, binary content, a document over
:data:`MAX_DOCUMENT_CHARS`) raise :class:`CorpusError` listing every problem with file and
row; problems that do not (a non-UTF-8 file decoded with a fallback, unknown columns,
skipped files, impossible dates kept as undated) become warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from stance.io.dates import parse_date
from stance.io.rows import RowError, parse_csv, parse_jsonl, read_raw
from stance.text.sniff import UTF16_BOMS, binary_reason

TEXT_SUFFIXES = (".txt", ".md")
MANIFEST_NAMES = ("manifest.csv", "documents.jsonl.gz", "documents.jsonl", "documents.csv")
KNOWN_COLUMNS = (
    "id", "file", "source", "title", "url", "date", "language", "text",
    "rating", "topic", "authors", "notes",
)
#: Minimum characters of text a document must have after stripping whitespace.
MIN_TEXT_CHARS = 1
#: Largest document accepted, in characters of text: a larger one is refused with a message naming it and its
#: size (a news article is rarely over 100,000; past this it is a dump, not an article). Pass ``max_chars`` to
#: :func:`load_corpus` for another limit.
MAX_DOCUMENT_CHARS = 2_000_000
#: Skipped entries and bad dates named in full in a warning (the rest are counted).
NAMED = 10


class CorpusError(ValueError):
    """A corpus cannot be loaded without losing data; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems) if len(problems) < 4 else
                         f"{len(problems)} problems: " + "; ".join(problems[:10]))


@dataclass
class Document:
    """One document: its id, outlet (source), metadata and raw text."""

    id: str
    source: str
    text: str
    title: str = ""
    url: str = ""
    date: str = ""
    language: str = "en"
    extra: dict[str, str] = field(default_factory=dict)
    origin: str = ""


@dataclass
class Corpus:
    """Documents plus the warnings collected while loading them."""

    documents: list[Document]
    warnings: list[str] = field(default_factory=list)
    name: str = ""
    path: str = ""  # where it was loaded from (results keep texts by reference to it)

    def metadata(self) -> pd.DataFrame:
        """Return one row per document: id, source, title, url, date, language and extras."""
        rows = []
        for d in self.documents:
            rows.append({"doc_id": d.id, "source": d.source, "title": d.title, "url": d.url,
                         "date": d.date, "language": d.language, **d.extra})
        return pd.DataFrame(rows)


def decode_bytes(data: bytes, origin: str, warnings: list[str]) -> str:
    """Decode ``data`` as UTF-8 (BOM allowed) or UTF-16 (with its BOM), else Windows-1252, else Latin-1.

    A fallback adds a warning naming ``origin``. Never raises: Latin-1 decodes every byte
    string, so no text is lost, and the warning lets the user fix the file.
    """
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start}"
    for enc in ("cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        warnings.append(f"{origin}: not valid UTF-8 ({where}); decoded as {enc}")
        return text
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def too_long(origin: str, chars: int, max_chars: int) -> str:
    """Return the message refusing a document of ``chars`` characters (over ``max_chars``)."""
    return (f"{origin}: {chars:,} characters of text, over the limit of {max_chars:,} per document "
            "(split it, or raise the limit)")


def read_document_file(path: Path, warnings: list[str], max_chars: int = MAX_DOCUMENT_CHARS) -> tuple[str, str]:
    """Read one ``.txt``/``.md`` document file.

    Returns ``(text, "")``, or ``("", problem)`` naming the file when it is binary, empty or
    longer than ``max_chars`` characters (a file so large it cannot fit is refused unread).
    Decoding fallbacks add to ``warnings``.
    """
    size = path.stat().st_size
    if size > 4 * max_chars:  # UTF-8 spends at most 4 bytes a character: too long whatever it holds
        return "", f"{path}: {size:,} bytes, over the limit of {max_chars:,} characters per document (split it, or " \
                   "raise the limit)"
    data = path.read_bytes()
    why = binary_reason(data)
    if why:
        return "", f"{path}: {why}; not a text document"
    text = decode_bytes(data, str(path), warnings)
    if not text.strip():
        return "", f"{path}: file is empty"
    if len(text) > max_chars:
        return "", too_long(str(path), len(text), max_chars)
    return text, ""


def _str(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def _first_row(origin: str) -> int:
    """Return the number of a table's first data row (a CSV's header is row 1)."""
    return 2 if origin.endswith(".csv") else 1


def _check_rows(rows: list[dict], origin: str, warnings: list[str], need_text: bool,
                max_chars: int = MAX_DOCUMENT_CHARS) -> list[str]:
    """Return the problems in ``rows`` (duplicate ids, empty or too long text); add warnings for extras."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    extra_cols: set[str] = set()
    for i, row in enumerate(rows, start=_first_row(origin)):
        extra_cols |= set(row) - set(KNOWN_COLUMNS)
        doc_id = _str(row.get("id"))
        if not doc_id:
            problems.append(f"{origin}: row {i} has no id")
            continue
        if doc_id in seen:
            problems.append(f"{origin}: row {i} repeats id {doc_id!r} (first at row {seen[doc_id]})")
        else:
            seen[doc_id] = i
        text = _str(row.get("text"))
        if need_text and len(text) < MIN_TEXT_CHARS:
            problems.append(f"{origin}: row {i} (id {doc_id!r}) has empty text")
        if len(text) > max_chars:
            problems.append(too_long(f"{origin}: row {i} (id {doc_id!r})", len(text), max_chars))
    if extra_cols:
        warnings.append(f"{origin}: ignoring unknown column(s) {', '.join(sorted(extra_cols))}")
    return problems


def checked_dates(rows: list[dict], origin: str, warnings: list[str]) -> list[str]:
    """Return each row's date as YYYY-MM-DD (:func:`stance.io.dates.parse_date`), ``""`` when missing or impossible.

    Impossible dates (``2024-13-45``, ``2024-02-30``, ``yesterday``) are kept as undated, and one
    warning counts them and names the first rows and ids.
    """
    out, bad = [], []
    for i, row in enumerate(rows, start=_first_row(origin)):
        raw = _str(row.get("date"))
        iso, status = parse_date(raw)
        out.append(iso)
        if status == "malformed":
            bad.append(f"row {i} (id {_str(row.get('id'))!r}) {raw[:40]!r}")
    if bad:
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        warnings.append(f"{origin}: {len(bad)} impossible or unreadable date(s) kept as undated: "
                        + ", ".join(bad[:3]) + more)
    return out


def _doc_from_row(row: dict, text: str, origin: str, date: str) -> Document:
    extra = {k: _str(row.get(k)) for k in ("rating", "topic", "authors") if _str(row.get(k))}
    return Document(
        id=_str(row.get("id")), source=_str(row.get("source")) or "unknown", text=text,
        title=_str(row.get("title")), url=_str(row.get("url")), date=date,
        language=_str(row.get("language")) or "en", extra=extra, origin=origin,
    )


def _read_table(path: Path, warnings: list[str]) -> list[dict]:
    """Read a CSV or JSONL(.gz) table into a list of dicts, with errors naming the file."""
    try:
        raw, name = read_raw(path)
    except RowError as exc:
        raise CorpusError(exc.problems) from exc
    why = binary_reason(raw)
    if why:
        raise CorpusError([f"{path}: {why}; not a CSV or JSON-lines table"])
    text = decode_bytes(raw, str(path), warnings)
    try:
        if name.endswith(".jsonl") or name.endswith(".json"):
            return [row for _, row in parse_jsonl(text, path)]
        if name.endswith(".csv"):
            return [row for _, row in parse_csv(text, path)]
    except RowError as exc:
        raise CorpusError(exc.problems) from exc
    raise CorpusError([f"{path}: unsupported file type (use .csv, .jsonl, .jsonl.gz, .txt or .md)"])


def load_table(path: str | Path, max_chars: int = MAX_DOCUMENT_CHARS) -> Corpus:
    """Load documents from a CSV/JSONL(.gz) table with a ``text`` column.

    Missing ``source`` becomes ``unknown``; missing ``id`` is an error, and so is a text over
    ``max_chars`` characters. Returns a :class:`Corpus`; raises :class:`CorpusError` listing
    every row problem.
    """
    path = Path(path)
    warnings: list[str] = []
    rows = _read_table(path, warnings)
    if rows and "text" not in rows[0]:
        raise CorpusError([f"{path}: no 'text' column (columns: {', '.join(rows[0])})"])
    if not rows:
        raise CorpusError([f"{path}: no documents"])
    problems = _check_rows(rows, str(path), warnings, need_text=True, max_chars=max_chars)
    if problems:
        raise CorpusError(problems)
    dates = checked_dates(rows, str(path), warnings)
    docs = [_doc_from_row(r, _str(r.get("text")), f"{path}#{_str(r.get('id'))}", d) for r, d in zip(rows, dates)]
    return Corpus(docs, warnings, name=path.stem)


def inside_folder(folder: Path, rel: str) -> tuple[Path | None, str]:
    """Return ``(path, "")`` for the file ``rel`` names inside ``folder``, or ``(None, why)`` when it is refused.

    Refused: an absolute path, a path with ``..``, a link loop and a link (anywhere on the
    path) whose target is outside ``folder``. A name that does not exist comes back as a
    path; the caller reports it missing.
    """
    pure = PurePosixPath(rel.replace("\\", "/"))
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", rel):
        return None, "is an absolute path (manifest paths are relative to the corpus folder)"
    if ".." in pure.parts:
        return None, "goes up out of the corpus folder ('..')"
    path = folder.joinpath(*pure.parts)
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return None, "is a link loop"
    if not real.is_relative_to(folder.resolve()):
        return None, f"is a link to {real}, outside the corpus folder"
    if path.is_symlink() and not path.exists():
        return None, f"is a dangling link (to {real})"
    return path, ""


def load_manifest(folder: str | Path, manifest: str = "manifest.csv", max_chars: int = MAX_DOCUMENT_CHARS) -> Corpus:
    """Load a folder whose ``manifest.csv`` names each document's file and source.

    Returns a :class:`Corpus`; raises :class:`CorpusError` for missing, empty, binary or too
    long files, files outside the folder (see :func:`inside_folder`), duplicate ids and rows
    without a file.
    """
    folder = Path(folder)
    mpath = folder / manifest
    warnings: list[str] = []
    rows = _read_table(mpath, warnings)
    if not rows:
        raise CorpusError([f"{mpath}: no rows"])
    if "file" not in rows[0] and "text" not in rows[0]:
        raise CorpusError([f"{mpath}: needs a 'file' column (or a 'text' column)"])
    problems = _check_rows(rows, str(mpath), warnings, need_text=False, max_chars=max_chars)
    dates = checked_dates(rows, str(mpath), warnings)
    docs: list[Document] = []
    for i, (row, date) in enumerate(zip(rows, dates), start=2):
        if _str(row.get("text")):
            docs.append(_doc_from_row(row, _str(row["text"]), f"{mpath}#{_str(row.get('id'))}", date))
            continue
        rel = _str(row.get("file"))
        if not rel:
            problems.append(f"{mpath}: row {i} names no file")
            continue
        fpath, why = inside_folder(folder, rel)
        if fpath is None:
            problems.append(f"{mpath}: row {i} names file {rel!r}, which {why}; refused")
            continue
        if not fpath.is_file():
            problems.append(f"{mpath}: row {i} names missing file {rel!r}" if not fpath.exists() else
                            f"{mpath}: row {i} names {rel!r}, which is not a regular file")
            continue
        text, problem = read_document_file(fpath, warnings, max_chars)
        if problem:
            problems.append(f"{problem} (manifest row {i})")
            continue
        docs.append(_doc_from_row(row, text, str(fpath), date))
    if problems:
        raise CorpusError(problems)
    return Corpus(docs, warnings, name=folder.name)


def skip_reason(entry: Path, root: Path) -> str:
    """Return why a bare folder's ``entry`` is not read as a document (``""`` when it is).

    ``root`` is the folder, resolved. Skipped: dangling links, link loops, links leaving the
    folder, nested folders, anything but a regular file, and files other than ``.txt``/``.md``.
    """
    if entry.is_symlink():
        try:
            real = entry.resolve(strict=True)
        except FileNotFoundError:
            return "dangling link"
        except (OSError, RuntimeError):
            return "link loop"
        if not real.is_relative_to(root):
            return "link leaving the folder"
    if entry.is_dir():
        return "folder; nested folders are not read"
    if not entry.is_file():
        return "not a regular file"
    if entry.suffix.lower() not in TEXT_SUFFIXES:
        return f"{entry.suffix.lower() or 'no extension'}: only .txt/.md files are read"
    return ""


def skipped_summary(skipped: list[str]) -> str:
    """Return the one warning line listing skipped entries: ``skipped 3 files: a.html (why), ...``."""
    more = f" and {len(skipped) - NAMED} more" if len(skipped) > NAMED else ""
    return f"skipped {len(skipped)} file(s): " + ", ".join(skipped[:NAMED]) + more


def load_folder_of_texts(folder: str | Path, max_chars: int = MAX_DOCUMENT_CHARS) -> Corpus:
    """Load every ``.txt``/``.md`` file in ``folder``; id and source are the file stem.

    Every other entry (see :func:`skip_reason`) is skipped and named in one warning. Returns a
    :class:`Corpus`; raises :class:`CorpusError` for empty, binary or too long files.
    """
    folder = Path(folder)
    root = folder.resolve()
    warnings: list[str] = []
    problems: list[str] = []
    files, skipped = [], []
    for entry in sorted(folder.iterdir()):
        why = skip_reason(entry, root)
        if why:
            skipped.append(f"{entry.name} ({why})")
        else:
            files.append(entry)
    if not files:
        raise CorpusError([f"{folder}: no manifest.csv and no .txt/.md files"
                           + (f" ({skipped_summary(skipped)})" if skipped else "")])
    if skipped:
        warnings.append(f"{folder}: {skipped_summary(skipped)}")
    docs = []
    for p in files:
        text, problem = read_document_file(p, warnings, max_chars)
        if problem:
            problems.append(problem)
            continue
        docs.append(Document(id=p.stem, source=p.stem, text=text, origin=str(p)))
    if problems:
        raise CorpusError(problems)
    return Corpus(docs, warnings, name=folder.name)


def load_corpus(path: str | Path, max_chars: int = MAX_DOCUMENT_CHARS) -> Corpus:
    """Load a corpus from any accepted shape (see the module docstring).

    Takes a folder or file path and the largest document accepted, in characters
    (:data:`MAX_DOCUMENT_CHARS`); returns a :class:`Corpus`; raises :class:`CorpusError`
    (or ``FileNotFoundError`` when the path does not exist).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    corpus = _load_any(path, max_chars)
    corpus.path = str(path.resolve())
    return corpus


def _load_any(path: Path, max_chars: int) -> Corpus:
    if path.is_file():
        if path.suffix.lower() in TEXT_SUFFIXES:
            warnings: list[str] = []
            text, problem = read_document_file(path, warnings, max_chars)
            if problem:
                raise CorpusError([problem])
            return Corpus([Document(id=path.stem, source=path.stem, text=text, origin=str(path))],
                          warnings, name=path.stem)
        return load_table(path, max_chars)
    for name in MANIFEST_NAMES:
        if (path / name).is_file():
            if name == "manifest.csv":
                return load_manifest(path, name, max_chars)
            corpus = load_table(path / name, max_chars)
            corpus.name = path.name
            return corpus
    return load_folder_of_texts(path, max_chars)
