"""Split cleaned text into sentences with pysbd (rule-based, offline, maintained).

Each kept line of a cleaned document is a paragraph or a heading, so lines are split
separately: a heading never fuses with the paragraph after it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

import pysbd


@dataclass(frozen=True)
class Sentence:
    """One sentence: its index in the document, text, paragraph index and char offsets."""

    idx: int
    text: str
    paragraph: int
    start: int
    end: int


@lru_cache(maxsize=4)
def _segmenter(language: str) -> pysbd.Segmenter:
    try:
        return pysbd.Segmenter(language=language, clean=False)
    except ValueError:
        return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str, language: str = "en") -> list[Sentence]:
    """Split ``text`` (newline-separated paragraphs) into :class:`Sentence` objects.

    Offsets index into ``text``; sentences are stripped of surrounding whitespace and
    empty ones are dropped. ``language`` is an ISO code pysbd knows (default English).
    """
    seg = _segmenter(language or "en")
    out: list[Sentence] = []
    offset = 0
    for p_idx, para in enumerate(text.split("\n")):
        cursor = 0
        if para.strip():
            for piece in seg.segment(para):
                s = piece.strip()
                if not s:
                    continue
                pos = para.find(s, cursor)
                if pos < 0:  # pysbd altered the text; fall back to the cursor position
                    pos = cursor
                cursor = pos + len(s)
                out.append(Sentence(len(out), s, p_idx, offset + pos, offset + pos + len(s)))
        offset += len(para) + 1
    return out


#: Changes whenever the splitting rules change, so cached splits from older rules miss.
SPLITTER_ID = f"pysbd-{version('pysbd')}/lines-1"


def split_key(text: str, language: str = "en") -> str:
    """Return the cache key of splitting ``text`` in ``language`` with the current rules."""
    return hashlib.sha1(f"{SPLITTER_ID}\x1f{language}\x1f{text}".encode()).hexdigest()


def sentences_to_json(sentences: list[Sentence], text: str) -> str:
    """Serialise sentences as compact spans over ``text`` (the sentence text only where it differs)."""
    rows = [[s.paragraph, s.start, s.end] + ([] if text[s.start:s.end] == s.text else [s.text]) for s in sentences]
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=False)


def sentences_from_json(spans: str, text: str) -> list[Sentence]:
    """Rebuild :class:`Sentence` objects from :func:`sentences_to_json` output and the same ``text``."""
    return [Sentence(i, row[3] if len(row) > 3 else text[row[1]:row[2]], row[0], row[1], row[2])
            for i, row in enumerate(json.loads(spans))]


def split_many(texts: list[str], languages: list[str], cache=None) -> list[list[Sentence]]:
    """Split each text (see :func:`split_sentences`), reusing and filling ``cache`` when given.

    ``cache`` is any object with ``get_splits(keys) -> {key: json}`` and
    ``put_splits({key: json})`` (:class:`stance.scoring.cache.ScoreCache`); splitting is most of
    the cost of a warm re-run, so this makes re-labelling a cached corpus cheap.
    """
    keys = [split_key(t, lang or "en") for t, lang in zip(texts, languages, strict=True)]
    found = cache.get_splits(list(set(keys))) if cache is not None else {}
    out: list[list[Sentence]] = []
    new: dict[str, str] = {}
    for key, text, lang in zip(keys, texts, languages, strict=True):
        if key in found:
            out.append(sentences_from_json(found[key], text))
            continue
        sents = split_sentences(text, lang or "en")
        out.append(sents)
        new[key] = sentences_to_json(sents, text)
    if cache is not None and new:
        cache.put_splits(new)
    return out
