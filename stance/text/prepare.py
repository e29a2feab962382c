"""Turn one document into scored-to-be units: clean, split, find target mentions.

This step is pure text work (no model), so the local engine and the Ray engine share it
and a unit's premise text is identical on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stance.io.corpus import Document
from stance.text.attribution import attribution_cue
from stance.text.clean import CleanText, clean_text
from stance.text.sentences import Sentence, split_many, split_sentences
from stance.text.targets import TargetMatcher

#: How many body sentences after the headline count as the lead.
LEAD_SENTENCES = 2


@dataclass(frozen=True)
class Unit:
    """One (sentence, target) pair to score: the premise is the sentence or its window."""

    doc_id: str
    source: str
    target: str
    sent_idx: int
    paragraph: int
    sentence: str
    premise: str
    aliases: str
    position: str  # "headline", "lead" or "body"
    cue: str  # attribution cue ("" = the article's own voice)


@dataclass
class PreparedDocument:
    """A document after cleaning and splitting, with its units and the targets it names."""

    doc: Document
    clean: CleanText
    sentences: list[Sentence]
    units: list[Unit]


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().lower()


def document_text(doc: Document) -> tuple[CleanText, str]:
    """Clean ``doc``; return (cleaning result, text to split: the title first unless the text starts with it)."""
    cleaned = clean_text(doc.text)
    text = cleaned.text
    title = doc.title.strip()
    if title and not _norm(text[: len(title) + 20]).startswith(_norm(title)):
        text = f"{title}\n{text}"
    return cleaned, text


def build_units(doc: Document, sentences: list[Sentence], matchers: dict[str, TargetMatcher],
                context: str = "sentence") -> list[Unit]:
    """Return a :class:`Unit` per (sentence, target) where the sentence names the target.

    ``context="window"`` prefixes the previous sentence of the same paragraph to the
    premise, which lets "It said ..." borrow its subject.
    """
    units: list[Unit] = []
    for s in sentences:
        position = "headline" if s.idx == 0 else ("lead" if s.idx <= LEAD_SENTENCES else "body")
        cue = ""
        for name, matcher in matchers.items():
            found = matcher.find(s.text)
            if not found:
                continue
            if not cue:
                cue = attribution_cue(s.text) or "-"
            premise = s.text
            if context == "window" and s.idx > 0:
                prev = sentences[s.idx - 1]
                if prev.paragraph == s.paragraph:
                    premise = f"{prev.text} {s.text}"
            units.append(Unit(doc.id, doc.source, name, s.idx, s.paragraph, s.text, premise,
                              ";".join(dict.fromkeys(found)), position, "" if cue == "-" else cue))
    return units


def prepare_document(doc: Document, matchers: dict[str, TargetMatcher], context: str = "sentence") -> PreparedDocument:
    """Clean ``doc``, split it, and build a :class:`Unit` per sentence that names a target.

    The title (when the text does not already start with it) is put first so headlines
    are scored; see :func:`build_units` for ``context``.
    """
    cleaned, text = document_text(doc)
    sentences = split_sentences(text, doc.language)
    return PreparedDocument(doc, cleaned, sentences, build_units(doc, sentences, matchers, context))


def prepare_documents(docs: list[Document], matchers: dict[str, TargetMatcher], context: str = "sentence",
                      cache=None) -> list[PreparedDocument]:
    """:func:`prepare_document` for many documents, with sentence splits reused from ``cache``.

    ``cache`` is a :class:`stance.scoring.cache.ScoreCache` (or None); the result is identical
    with or without it.
    """
    cleaned = [document_text(d) for d in docs]
    split = split_many([t for _, t in cleaned], [d.language for d in docs], cache)
    return [PreparedDocument(d, c, sents, build_units(d, sents, matchers, context))
            for d, (c, _), sents in zip(docs, cleaned, split, strict=True)]
