"""Synthetic results: hand-made, self-consistent result tables without a model.

Used by the dashboard tests and ``lab/benchmarks/dashboard_speed.py`` to exercise many
outlets, ratings, topics and dates (the shape of the AllSides corpus) in milliseconds.
Sentence scores are drawn around a per-outlet lean; the document and source tables are
built from them with the library's own aggregation, so every table agrees with the others
exactly as real results do.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd

from stance.documents.aggregate import aggregate_documents
from stance.documents.rule import DocumentRule
from stance.engines.local import SENTENCE_COLUMNS, Results
from stance.settings import AggregateSettings

TARGETS = ("Iran", "United States", "Israel")
RATINGS = ("left", "center", "right")
TOPICS = ("middle_east", "elections", "foreign_policy", "politics")
_VERBS = {1: "welcomed", -1: "condemned", 0: "discussed"}


def _sentence(rng: np.random.Generator, target: str, lean: float) -> tuple[str, float, str]:
    """Return (sentence text, signed score, attribution cue) for one mention of ``target``."""
    score = float(np.clip(rng.normal(lean, 0.35), -0.98, 0.98))
    verb = _VERBS[int(np.sign(round(score, 1)))]
    quoted = rng.random() < 0.25
    text = f"Officials {verb} the latest move by {target} on the nuclear talks."
    if quoted:
        text = f"“{target} has {verb} nothing,” a spokesman said."
    return text, score, "said" if quoted else ""


def _document(rng: np.random.Generator, doc_id: str, source: str, leans: dict[str, float],
              n_sentences: int) -> tuple[list[str], list[dict]]:
    """Return one document's sentences and its sentence-table rows (mentions only)."""
    sentences, rows = [], []
    for i in range(n_sentences):
        mentioned = [t for t in TARGETS if rng.random() < 0.18]
        if not mentioned:
            sentences.append(f"Background paragraph {i} adds context about the region and its economy.")
            continue
        text, _, cue = _sentence(rng, mentioned[0], leans[mentioned[0]])
        if len(mentioned) > 1:
            text = text[:-1] + f" and by {' and '.join(mentioned[1:])}."
        sentences.append(text)
        for t in mentioned:
            score = float(np.clip(rng.normal(leans[t], 0.35), -0.98, 0.98))
            neutral = float(rng.uniform(0.0, 1.0 - abs(score)))
            favor = (1.0 - neutral + score) / 2
            rows.append({"doc_id": doc_id, "source": source, "target": t, "sent_idx": i, "paragraph": i // 3,
                         "sentence": text, "premise": text, "aliases": t,
                         "position": "headline" if i == 0 else ("lead" if i < 3 else "body"), "cue": cue,
                         "p_favor": favor, "p_against": favor - score, "p_neutral": neutral, "score": score,
                         "weight": (0.5 if cue else 1.0) * (2.0 if i < 3 else 1.0)})
    return sentences, rows


def synthetic_results(n_docs: int = 60, n_sources: int = 8, seed: int = 0, name: str = "synthetic",
                      start: date = date(2016, 1, 1), days: int = 720, undated_share: float = 0.1,
                      sentences_per_doc: int = 24, extra_documents: list[dict] | None = None) -> Results:
    """Build a :class:`~stance.engines.local.Results` for ``n_docs`` documents from ``n_sources`` outlets.

    Outlets are named ``Outlet 00`` … and rated left/center/right in turn; each document
    gets a topic, a date (``undated_share`` of them none) and ``sentences_per_doc``
    sentences. ``extra_documents`` adds documents verbatim: dicts with ``doc_id, source,
    title, text`` (and optional ``rating, topic, date``), whose every sentence that names a
    target is scored +0.6 — used to test escaping and search.
    """
    rng = np.random.default_rng(seed)
    settings = AggregateSettings()
    sources = [f"Outlet {i:02d}" for i in range(n_sources)]
    leans = {s: {t: float(rng.uniform(-0.6, 0.6)) for t in TARGETS} for s in sources}
    weights = 1.0 / np.arange(1, n_sources + 1) ** 0.9  # a few prolific outlets, a long tail
    picks = rng.choice(n_sources, size=n_docs, p=weights / weights.sum())
    meta, texts, sent_rows, removed = [], [], [], []
    for k, si in enumerate(picks):
        source = sources[si]
        doc_id = f"doc-{k:05d}"
        dated = rng.random() >= undated_share
        day = (start + timedelta(days=int(rng.integers(0, days)))).isoformat() if dated else ""
        sentences, rows = _document(rng, doc_id, source, leans[source], sentences_per_doc)
        title = f"{source} report {k} on {TARGETS[k % 3]}"
        sentences[0] = title
        meta.append({"doc_id": doc_id, "source": source, "title": title, "url": "", "date": day, "language": "en",
                     "rating": RATINGS[si % 3], "topic": TOPICS[k % len(TOPICS)]})
        texts.append(_text_row(doc_id, sentences))
        sent_rows.extend(r for r in rows if r["sent_idx"] != 0)
        removed.append({"doc_id": doc_id, "line_no": 2, "text": "Share this article on Facebook", "reason": "boilerplate"})
    for extra in extra_documents or []:
        sentences = [extra["title"], *[s.strip() + "." for s in extra["text"].split(".") if s.strip()]]
        meta.append({"doc_id": extra["doc_id"], "source": extra["source"], "title": extra["title"], "url": "",
                     "date": extra.get("date", ""), "language": "en", "rating": extra.get("rating", "center"),
                     "topic": extra.get("topic", "world")})
        texts.append(_text_row(extra["doc_id"], sentences))
        for i, s in enumerate(sentences):
            for t in TARGETS:
                if t in s:
                    sent_rows.append({"doc_id": extra["doc_id"], "source": extra["source"], "target": t, "sent_idx": i,
                                      "paragraph": i, "sentence": s, "premise": s, "aliases": t, "position": "body",
                                      "cue": "", "p_favor": 0.7, "p_against": 0.1, "p_neutral": 0.2, "score": 0.6,
                                      "weight": 1.0})
    sentences_df = pd.DataFrame(sent_rows, columns=SENTENCE_COLUMNS)
    meta_df = pd.DataFrame(meta)
    documents = aggregate_documents(sentences_df, meta_df, list(TARGETS), settings)
    return Results(
        sentences=sentences_df, documents=documents,
        sources=DocumentRule.from_settings(settings).group(documents, "source"),
        texts=pd.DataFrame(texts), removed=pd.DataFrame(removed, columns=["doc_id", "line_no", "text", "reason"]),
        run={"corpus": name, "documents": len(meta), "targets": list(TARGETS), "aggregate": settings.__dict__,
             "model": "synthetic", "synthetic": True},
    )


def _text_row(doc_id: str, sentences: list[str]) -> dict:
    paragraphs = [" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
    return {"doc_id": doc_id, "clean_text": "\n\n".join(paragraphs), "n_sentences_total": len(sentences),
            "removed_share": 0.01, "sentences": json.dumps(sentences, ensure_ascii=False)}
