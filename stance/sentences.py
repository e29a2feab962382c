"""Split cleaned text into sentences with pysbd (rule-based, offline, maintained).

Each kept line of a cleaned document is a paragraph or a heading, so lines are split
separately: a heading never fuses with the paragraph after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

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
