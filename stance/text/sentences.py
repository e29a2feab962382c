"""Split cleaned text into sentences with pysbd (rule-based, offline, maintained).

Each kept line of a cleaned document is a paragraph or a heading, so lines are split
separately: a heading never fuses with the paragraph after it. pysbd's time grows with the
square of a paragraph's length (a 200 KB paragraph takes half a minute, a 1 MB one-line
document minutes), so it is never given more than :data:`PIECE_CHARS` characters at once
(:func:`paragraph_sentences`) and splitting stays linear in the length of the text.
"""

from __future__ import annotations

import hashlib
import json
import re
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


#: Longest stretch of a paragraph handed to pysbd at once, in characters.
PIECE_CHARS = 5000
_LAST_SPACE = re.compile(r"\s(?=\S*$)")


def _cut_at_space(window: str) -> int:
    """Return where to cut a window that holds no sentence end: after its last whitespace, else its end."""
    m = _LAST_SPACE.search(window)
    return m.end() if m and m.end() > 0 else len(window)


def paragraph_sentences(seg: pysbd.Segmenter, para: str, limit: int = PIECE_CHARS) -> list[str]:
    """Return pysbd's sentences of ``para``, never handing pysbd more than ``limit`` characters at once.

    A long paragraph is read window by window: pysbd splits the window, every sentence but
    the last (which may run on past the window) is kept, and the next window starts where
    that last sentence starts, so the boundaries are pysbd's own. A window that is a single
    sentence is cut after its last whitespace (or at ``limit`` for an unbroken run), so no
    sentence is longer than ``limit``.
    """
    out: list[str] = []
    start = 0
    while len(para) - start > limit:
        window = para[start:start + limit]
        parts = seg.segment(window)
        cut, cursor = 0, 0
        for part in parts[:-1]:
            at = window.find(part.strip(), cursor)
            if at < 0:  # pysbd altered the text: fall back to a cut at whitespace
                break
            cursor = at + len(part.strip())
        else:
            last = window.find(parts[-1].strip(), cursor) if len(parts) > 1 else -1
            if last > 0:
                out.extend(parts[:-1])
                cut = last
        if cut <= 0:
            cut = _cut_at_space(window)
            out.append(window[:cut])
        start += cut
    out.extend(seg.segment(para[start:]))
    return out


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
    Paragraphs longer than :data:`PIECE_CHARS` are read window by window
    (:func:`paragraph_sentences`), so no sentence is longer than that.
    """
    seg = _segmenter(language or "en")
    out: list[Sentence] = []
    offset = 0
    for p_idx, para in enumerate(text.split("\n")):
        cursor = 0
        if para.strip():
            for piece in paragraph_sentences(seg, para):
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
SPLITTER_ID = f"pysbd-{version('pysbd')}/lines-2-windows-{PIECE_CHARS}"


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
