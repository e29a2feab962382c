"""What the user narrowed the documents to: the :class:`Filters`, full-text search and filtering a document table.

Pure pandas: every function takes DataFrames (and plain values) and returns DataFrames,
Series or lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the documents to. Empty tuples and ``None`` mean "no filter"."""

    targets: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    min_confidence: float = 0.0
    query: str = ""
    doc_ids: tuple[str, ...] = field(default=())

    @property
    def dated(self) -> bool:
        """True when a date window is set (undated documents are then left out)."""
        return self.date_from is not None or self.date_to is not None


def search_index(documents: pd.DataFrame, texts: pd.DataFrame) -> pd.Series:
    """Return ``doc_id`` → lower-cased "title + cleaned text", the haystack of :func:`search_documents`."""
    titles = documents.drop_duplicates("doc_id").set_index("doc_id")["title"].fillna("").astype(str)
    body = texts.set_index("doc_id")["clean_text"].fillna("").astype(str) if len(texts) else pd.Series(dtype=str)
    body = body.reindex(titles.index).fillna("")
    return (titles + "\n" + body).str.lower()


def search_documents(index: pd.Series, query: str) -> list[str]:
    """Return the ids of the documents in ``index`` whose title or text contains every word of ``query``.

    Case-insensitive, literal (no regex); a phrase in double quotes must occur as written;
    a blank query returns every id.
    """
    terms = [(phrase or word).lower() for phrase, word in re.findall(r'"([^"]+)"|(\S+)', query)]
    if not terms:
        return list(index.index)
    hit = pd.Series(True, index=index.index)
    for term in terms:
        hit &= index.str.contains(term, regex=False)
    return list(index.index[hit])


def filter_documents(documents: pd.DataFrame, filters: Filters, index: pd.Series | None = None) -> pd.DataFrame:
    """Return the document × target rows of ``documents`` that pass ``filters``.

    Targets and sources keep the named ones; a date window keeps dated documents inside it
    (inclusive); ``min_confidence`` drops document labels less certain than that (a
    "not mentioned" row is certain); ``query`` keeps documents found by
    :func:`search_documents` in ``index`` (:func:`search_index`; required with a query,
    else ``ValueError``).
    """
    keep = pd.Series(True, index=documents.index)
    if filters.targets:
        keep &= documents["target"].isin(filters.targets)
    if filters.sources:
        keep &= documents["source"].isin(filters.sources)
    if filters.doc_ids:
        keep &= documents["doc_id"].isin(filters.doc_ids)
    if filters.dated:
        day = documents["day"]
        keep &= day.notna()
        if filters.date_from is not None:
            keep &= day >= pd.Timestamp(filters.date_from)
        if filters.date_to is not None:
            keep &= day <= pd.Timestamp(filters.date_to)
    if filters.min_confidence > 0:
        keep &= (documents["confidence"] >= filters.min_confidence) | (documents["label"] == "not_mentioned")
    if filters.query.strip():
        if index is None:
            raise ValueError("a search query needs the search index (search_index(documents, texts))")
        keep &= documents["doc_id"].isin(search_documents(index, filters.query))
    return documents[keep]
