"""Load a corpus of documents from a manifest folder, a CSV/JSONL file or a bare folder.

Three shapes are accepted:

* a folder with ``manifest.csv`` (columns ``id, file, source, title, url, date, language``
  and optional extras such as ``rating``, ``topic``); ``file`` is relative to the folder;
* a ``.csv`` / ``.jsonl`` / ``.jsonl.gz`` table with a ``text`` column (and ``id``,
  ``source``, ``title``, ``date``, ...); a folder whose manifest is ``documents.jsonl.gz``
  is read the same way;
* a bare folder of ``.txt`` / ``.md`` files (id and source = the file name stem).

Problems that lose data (missing files, duplicate ids, empty text, a missing ``text``
column) raise :class:`CorpusError` listing every problem with file and row; problems that
do not (a non-UTF-8 file decoded with a fallback, unknown columns) become warnings.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stance.io.rows import RowError, parse_csv, parse_jsonl

TEXT_SUFFIXES = (".txt", ".md")
MANIFEST_NAMES = ("manifest.csv", "documents.jsonl.gz", "documents.jsonl", "documents.csv")
KNOWN_COLUMNS = (
    "id", "file", "source", "title", "url", "date", "language", "text",
    "rating", "topic", "authors", "notes",
)
#: Minimum characters of text a document must have after stripping whitespace.
MIN_TEXT_CHARS = 1


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
    """Decode ``data`` as UTF-8 (BOM allowed), else Windows-1252, else Latin-1, noting a warning.

    Never raises: Latin-1 decodes every byte string, so no text is lost, and the warning
    names ``origin`` so the user can fix the file.
    """
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


def _read_text_file(path: Path, warnings: list[str]) -> str:
    return decode_bytes(path.read_bytes(), str(path), warnings)


def _str(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def _check_rows(rows: list[dict], origin: str, warnings: list[str], need_text: bool) -> list[str]:
    """Return the problems in ``rows`` (duplicate ids, empty text); add warnings for extras."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    extra_cols: set[str] = set()
    for i, row in enumerate(rows, start=2 if origin.endswith(".csv") else 1):
        extra_cols |= set(row) - set(KNOWN_COLUMNS)
        doc_id = _str(row.get("id"))
        if not doc_id:
            problems.append(f"{origin}: row {i} has no id")
            continue
        if doc_id in seen:
            problems.append(f"{origin}: row {i} repeats id {doc_id!r} (first at row {seen[doc_id]})")
        else:
            seen[doc_id] = i
        if need_text and len(_str(row.get("text"))) < MIN_TEXT_CHARS:
            problems.append(f"{origin}: row {i} (id {doc_id!r}) has empty text")
    if extra_cols:
        warnings.append(f"{origin}: ignoring unknown column(s) {', '.join(sorted(extra_cols))}")
    return problems


def _doc_from_row(row: dict, text: str, origin: str) -> Document:
    extra = {k: _str(row.get(k)) for k in ("rating", "topic", "authors") if _str(row.get(k))}
    return Document(
        id=_str(row.get("id")), source=_str(row.get("source")) or "unknown", text=text,
        title=_str(row.get("title")), url=_str(row.get("url")), date=_str(row.get("date")),
        language=_str(row.get("language")) or "en", extra=extra, origin=origin,
    )


def _read_table(path: Path, warnings: list[str]) -> list[dict]:
    """Read a CSV or JSONL(.gz) table into a list of dicts, with errors naming the file."""
    name = path.name.lower()
    raw = path.read_bytes()
    if name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except OSError as exc:
            raise CorpusError([f"{path}: not a valid gzip file ({exc})"]) from exc
        name = name[:-3]
    if not raw.strip():
        raise CorpusError([f"{path}: file is empty"])
    text = decode_bytes(raw, str(path), warnings)
    try:
        if name.endswith(".jsonl") or name.endswith(".json"):
            return [row for _, row in parse_jsonl(text, path)]
        if name.endswith(".csv"):
            return [row for _, row in parse_csv(text, path)]
    except RowError as exc:
        raise CorpusError(exc.problems) from exc
    raise CorpusError([f"{path}: unsupported file type (use .csv, .jsonl, .jsonl.gz, .txt or .md)"])


def load_table(path: str | Path) -> Corpus:
    """Load documents from a CSV/JSONL(.gz) table with a ``text`` column.

    Missing ``source`` becomes ``unknown``; missing ``id`` is an error. Returns a
    :class:`Corpus`; raises :class:`CorpusError` listing every row problem.
    """
    path = Path(path)
    warnings: list[str] = []
    rows = _read_table(path, warnings)
    if rows and "text" not in rows[0]:
        raise CorpusError([f"{path}: no 'text' column (columns: {', '.join(rows[0])})"])
    if not rows:
        raise CorpusError([f"{path}: no documents"])
    problems = _check_rows(rows, str(path), warnings, need_text=True)
    if problems:
        raise CorpusError(problems)
    docs = [_doc_from_row(r, _str(r.get("text")), f"{path}#{_str(r.get('id'))}") for r in rows]
    return Corpus(docs, warnings, name=path.stem)


def load_manifest(folder: str | Path, manifest: str = "manifest.csv") -> Corpus:
    """Load a folder whose ``manifest.csv`` names each document's file and source.

    Returns a :class:`Corpus`; raises :class:`CorpusError` for missing or empty files,
    duplicate ids and rows without a file.
    """
    folder = Path(folder)
    mpath = folder / manifest
    warnings: list[str] = []
    rows = _read_table(mpath, warnings)
    if not rows:
        raise CorpusError([f"{mpath}: no rows"])
    if "file" not in rows[0] and "text" not in rows[0]:
        raise CorpusError([f"{mpath}: needs a 'file' column (or a 'text' column)"])
    problems = _check_rows(rows, str(mpath), warnings, need_text=False)
    docs: list[Document] = []
    for i, row in enumerate(rows, start=2):
        if _str(row.get("text")):
            docs.append(_doc_from_row(row, _str(row["text"]), f"{mpath}#{_str(row.get('id'))}"))
            continue
        rel = _str(row.get("file"))
        if not rel:
            problems.append(f"{mpath}: row {i} names no file")
            continue
        fpath = folder / rel
        if not fpath.is_file():
            problems.append(f"{mpath}: row {i} names missing file {rel!r}")
            continue
        text = _read_text_file(fpath, warnings)
        if not text.strip():
            problems.append(f"{fpath}: file is empty (manifest row {i})")
            continue
        docs.append(_doc_from_row(row, text, str(fpath)))
    if problems:
        raise CorpusError(problems)
    return Corpus(docs, warnings, name=folder.name)


def load_folder_of_texts(folder: str | Path) -> Corpus:
    """Load every ``.txt``/``.md`` file in ``folder``; id and source are the file stem."""
    folder = Path(folder)
    warnings: list[str] = []
    problems: list[str] = []
    docs = []
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in TEXT_SUFFIXES and p.is_file())
    if not files:
        raise CorpusError([f"{folder}: no manifest.csv and no .txt/.md files"])
    for p in files:
        text = _read_text_file(p, warnings)
        if not text.strip():
            problems.append(f"{p}: file is empty")
            continue
        docs.append(Document(id=p.stem, source=p.stem, text=text, origin=str(p)))
    if problems:
        raise CorpusError(problems)
    return Corpus(docs, warnings, name=folder.name)


def load_corpus(path: str | Path) -> Corpus:
    """Load a corpus from any accepted shape (see the module docstring).

    Takes a folder or file path; returns a :class:`Corpus`; raises :class:`CorpusError`
    (or ``FileNotFoundError`` when the path does not exist).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    corpus = _load_any(path)
    corpus.path = str(path.resolve())
    return corpus


def _load_any(path: Path) -> Corpus:
    if path.is_file():
        if path.suffix.lower() in TEXT_SUFFIXES:
            warnings: list[str] = []
            text = _read_text_file(path, warnings)
            if not text.strip():
                raise CorpusError([f"{path}: file is empty"])
            return Corpus([Document(id=path.stem, source=path.stem, text=text, origin=str(path))],
                          warnings, name=path.stem)
        return load_table(path)
    for name in MANIFEST_NAMES:
        if (path / name).is_file():
            if name == "manifest.csv":
                return load_manifest(path, name)
            corpus = load_table(path / name)
            corpus.name = path.name
            return corpus
    return load_folder_of_texts(path)
