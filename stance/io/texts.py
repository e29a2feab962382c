"""Keep a results folder's texts by reference to the corpus they were cleaned from.

The texts table holds every document's cleaned text and sentence list, for the drill-down
and search. For a corpus of thousands of articles that is a second copy of the corpus
(12.8 MB for AllSides, beside a 9 MB corpus). When the corpus the run read is still where
``run.json`` says (``corpus_path``) and cleaning it again gives the same text, Parquet
results store per document only a hash of the cleaned text and each sentence's span in it;
:func:`restore_texts` cleans the corpus again on reading (cheap: no sentence splitting) and
cuts the sentences back out. A corpus that moved or changed is a clear error, never a
silently different text.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from stance.io.corpus import load_corpus
from stance.settings import REPO_DIR
from stance.text.prepare import document_text

REFERENCE_COLUMNS = ["doc_id", "n_sentences_total", "removed_share", "text_sha1", "spans"]


def resolve_corpus_path(recorded: str) -> Path:
    """Return the path a run recorded for its corpus (repository-relative, ``../``-relative or absolute)."""
    path = Path(recorded)
    return path if path.is_absolute() else REPO_DIR / path


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _spans(text: str, sentences: list[str]) -> list[list[int]] | None:
    out, pos = [], 0
    for s in sentences:
        at = text.find(s, pos)
        if at < 0:
            return None
        out.append([at, at + len(s)])
        pos = at + len(s)
    return out


def reference_texts(texts: pd.DataFrame, corpus_path: str) -> pd.DataFrame | None:
    """Return ``texts`` with the text replaced by references into the corpus, or None.

    Takes a full texts table (``doc_id, clean_text, n_sentences_total, removed_share,
    sentences``) and the run's recorded corpus path; returns the compact table
    (``REFERENCE_COLUMNS``) when the corpus is there and cleaning it again reproduces every
    document's text and sentences exactly, else None (the caller keeps the full table).
    """
    path = resolve_corpus_path(corpus_path)
    if not corpus_path or not path.exists() or texts.empty:
        return None
    docs = {d.id: d for d in load_corpus(path).documents}
    rows = []
    for r in texts.itertuples(index=False):
        doc = docs.get(r.doc_id)
        if doc is None:
            return None
        cleaned, split_text = document_text(doc)
        sentences = json.loads(r.sentences) if isinstance(r.sentences, str) else list(r.sentences)
        spans = _spans(split_text, sentences)
        if cleaned.text != r.clean_text or spans is None:
            return None
        rows.append([r.doc_id, r.n_sentences_total, r.removed_share, _sha1(cleaned.text), json.dumps(spans)])
    return pd.DataFrame(rows, columns=REFERENCE_COLUMNS)


def restore_texts(compact: pd.DataFrame, corpus_path: str, folder: str | Path) -> pd.DataFrame:
    """Rebuild the full texts table from its references (see :func:`reference_texts`).

    Takes the compact table, the recorded corpus path and the results folder (for messages);
    returns the table with ``clean_text`` and ``sentences`` back. Raises ``ValueError`` naming
    the folder and the corpus when the corpus is gone, lacks a document, or has changed.
    """
    path = resolve_corpus_path(corpus_path)
    if not path.exists():
        raise ValueError(f"{folder}: its texts are kept by reference to the corpus {corpus_path}, which is not there "
                         f"({path}); put the corpus back or label it again")
    docs = {d.id: d for d in load_corpus(path).documents}
    clean, sentences = [], []
    for doc_id, sha, spans in zip(compact["doc_id"], compact["text_sha1"], compact["spans"]):
        doc = docs.get(doc_id)
        if doc is None:
            raise ValueError(f"{folder}: document {doc_id!r} is not in the corpus {corpus_path} any more; label it again")
        cleaned, split_text = document_text(doc)
        if _sha1(cleaned.text) != sha:
            raise ValueError(f"{folder}: document {doc_id!r} of the corpus {corpus_path} changed after labelling; "
                             "label the corpus again")
        clean.append(cleaned.text)
        sentences.append(json.dumps([split_text[a:b] for a, b in json.loads(spans)], ensure_ascii=False))
    return pd.DataFrame({"doc_id": compact["doc_id"], "clean_text": clean,
                         "n_sentences_total": compact["n_sentences_total"],
                         "removed_share": compact["removed_share"], "sentences": sentences})
