"""Documents brought into the dashboard: validate uploaded files or pasted text, score, merge.

Files are read through the library's own loaders (:func:`stance.io.corpus.load_corpus`), so an
upload is validated exactly like a corpus on disk, and every problem comes back as
``"<file name>: <problem>"``. An upload is refused before any work when it holds more than
:data:`MAX_FILES` files, or a file or pasted text holds more than :data:`MAX_TEXT_CHARS`
characters (larger corpora go through ``python -m stance label``). Scoring goes through
:func:`stance.engines.local.label_corpus` with a :class:`ProgressScorer` that reports scored
pairs to a callback (the dashboard's progress bar) and holds the dashboard's scorer lock only
while the model scores: cleaning and splitting run outside it, so one upload never stalls the
other users for longer than its scoring. Nothing here imports Streamlit.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from stance.engines.local import Results, label_corpus
from stance.io.corpus import Corpus, CorpusError, Document, load_corpus
from stance.scoring.scorer import Scorer
from stance.settings import Settings

UPLOAD_TYPES = ("txt", "md", "csv", "jsonl")
#: Largest upload accepted, bytes (the dashboard also tells Streamlit).
MAX_BYTES = 20 * 1024 * 1024
#: Most characters of text one uploaded file (all its documents) or one pasted text may hold.
MAX_TEXT_CHARS = 200_000
#: Most files one upload may hold.
MAX_FILES = 20


class UploadError(ValueError):
    """Uploaded or pasted documents cannot be used; ``problems`` names each file and problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _safe_name(name: str) -> str:
    base = Path(name).name
    return re.sub(r"[^\w.\-]+", "_", base) or "upload.txt"


def read_upload(name: str, data: bytes, source: str = "") -> Corpus:
    """Validate one uploaded file and return its documents.

    ``.txt``/``.md``: one document whose id is the file name stem and whose source is
    ``source`` (or the stem); ``.csv``/``.jsonl``: a table with a ``text`` column, whose
    empty ``source`` cells take ``source``. Raises :class:`UploadError` naming the file.
    """
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        raise UploadError([f"{name}: unsupported file type .{suffix or '?'} (use {', '.join('.' + t for t in UPLOAD_TYPES)})"])
    if len(data) > MAX_BYTES:
        raise UploadError([f"{name}: file is {len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB"])
    if not data.strip():
        raise UploadError([f"{name}: file is empty"])
    if len(data) > 4 * MAX_TEXT_CHARS:  # at most 4 bytes a character: over the limit whatever it holds
        raise UploadError([_too_much(name, f"{len(data):,} bytes")])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / _safe_name(name)
        path.write_bytes(data)
        try:
            corpus = load_corpus(path)
        except CorpusError as exc:
            raise UploadError([_rename(p, str(path), name) for p in exc.problems]) from exc
    chars = sum(len(d.text) for d in corpus.documents)
    if chars > MAX_TEXT_CHARS:
        raise UploadError([_too_much(name, f"{chars:,} characters of text")])
    corpus.warnings = [_rename(w, str(path), name) for w in corpus.warnings]
    for doc in corpus.documents:
        doc.origin = name
        if source.strip() and (suffix in ("txt", "md") or doc.source in ("", "unknown")):
            doc.source = source.strip()
    return corpus


def _rename(message: str, tmp_path: str, name: str) -> str:
    return message.replace(tmp_path, name)


def _too_much(name: str, size: str) -> str:
    return (f"{name}: {size}; the limit is {MAX_TEXT_CHARS:,} characters per file (split it, or label a large corpus "
            "with `python -m stance label`)")


def check_file_count(n_files: int) -> None:
    """Raise :class:`UploadError` when one upload holds more than :data:`MAX_FILES` files."""
    if n_files > MAX_FILES:
        raise UploadError([f"{n_files} files chosen; the limit is {MAX_FILES} files per upload (add them in batches)"])


def pasted_document(text: str, source: str, title: str = "", doc_id: str = "", date: str = "") -> Document:
    """Return a document from pasted text; raises :class:`UploadError` for empty text or source."""
    problems = []
    if not text.strip():
        problems.append("pasted text: it is empty")
    if not source.strip():
        problems.append("pasted text: give a source name (the outlet or author it comes from)")
    if len(text) > MAX_TEXT_CHARS:
        problems.append(_too_much("pasted text", f"{len(text):,} characters"))
    if date.strip() and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date.strip()):
        problems.append(f"pasted text: date {date!r} is not YYYY-MM-DD")
    if problems:
        raise UploadError(problems)
    doc_id = doc_id.strip() or f"pasted-{abs(hash((text, source))) % 10**8:08d}"
    return Document(id=doc_id, source=source.strip(), text=text, title=title.strip(), date=date.strip(), origin="pasted")


def check_new_ids(corpus: Corpus, existing: Sequence[str]) -> None:
    """Raise :class:`UploadError` when a new document id is already loaded (or repeats)."""
    seen = set(existing)
    problems = []
    for doc in corpus.documents:
        if doc.id in seen:
            problems.append(f"{doc.origin or doc.id}: document id {doc.id!r} is already loaded; rename the file or the id")
        seen.add(doc.id)
    if problems:
        raise UploadError(problems)


class ProgressScorer(Scorer):
    """Wraps a :class:`Scorer` (same model, score cache and stats), reports ``callback(done_pairs, total_pairs)``
    and holds ``lock`` (the dashboard's scorer lock) only while it scores.

    Its ``cache`` is None, so the engine splits the uploaded text without the shared cache file, outside the lock;
    scores still go through the base scorer's cache.
    """

    def __init__(self, base: Scorer, callback: Callable[[int, int], None] | None = None, lock=None):
        self.__dict__.update(base.__dict__)
        self._base = base
        self.callback = callback
        self.lock = lock if lock is not None else contextlib.nullcontext()
        self.cache = None

    @property
    def model(self):  # noqa: D102 - shares (and keeps) the base scorer's loaded model
        return self._base.model

    def score(self, premises: list[str], targets: list[str], progress: Callable[[int], None] | None = None,
              max_length: int | None = None) -> np.ndarray:
        """Score like :meth:`Scorer.score` (under the lock), calling the callback as batches finish."""
        total = max(len(premises), 1)
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done = min(total, done + n)
            if self.callback:
                self.callback(done, total)
            if progress:
                progress(n)

        budget = {} if max_length is None else {"max_length": max_length}  # document passages only
        with self.lock:
            out = self._base.score(premises, targets, progress=tick, **budget)
        if self.callback:
            self.callback(total, total)
        return out


def score_documents(corpus: Corpus, settings: Settings, targets: Sequence[str], scorer: Scorer | None = None,
                    callback: Callable[[int, int], None] | None = None, lock=None) -> Results:
    """Score new documents toward ``targets`` with :func:`label_corpus` (same aggregation as the corpus).

    ``scorer`` (e.g. one cached by the dashboard, model already loaded) is reused;
    ``callback(done, total)`` follows the scoring; ``lock`` (a ``threading.Lock`` shared with
    the other sessions) is held only while the model scores, not while text is cleaned and split.
    """
    settings = settings.with_targets(list(targets))
    base = scorer or Scorer(settings)
    return label_corpus(corpus, settings, scorer=ProgressScorer(base, callback, lock))


def merge_results(base: Results, extra: Results | None) -> Results:
    """Return ``base`` with ``extra``'s rows appended to every table (``origin = upload`` marks them)."""
    if extra is None or extra.documents.empty:
        return base
    def cat(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([a, b], ignore_index=True) if len(a) else b.reset_index(drop=True)
    docs = extra.documents.assign(origin="upload")
    return replace(base, sentences=cat(base.sentences, extra.sentences), documents=cat(base.documents, docs),
                   texts=cat(base.texts, extra.texts), removed=cat(base.removed, extra.removed))
