"""Label a corpus: documents → units → cached NLI scores → sentence, document, source tables."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stance.documents.aggregate import aggregate_documents, apply_reader
from stance.documents.fitted import FittedParts, resolve
from stance.documents.rule import DocumentRule
from stance.io.corpus import Corpus
from stance.scoring.scorer import Scorer
from stance.settings import REPO_DIR, Settings
from stance.text.passage import passage_table
from stance.text.prepare import PreparedDocument, Unit, prepare_documents
from stance.text.targets import build_matchers

#: Columns :func:`sentence_table` adds to the units once they are scored.
SCORED_COLUMNS = ["p_favor", "p_against", "p_neutral", "raw_score", "score", "weight"]
SENTENCE_COLUMNS = ["doc_id", "source", "target", "sent_idx", "paragraph", "sentence", "premise",
                    "aliases", "position", "cue", *SCORED_COLUMNS]


@dataclass
class Results:
    """The tables of one labelling run; see README "Tables" for every column."""

    sentences: pd.DataFrame
    documents: pd.DataFrame
    sources: pd.DataFrame
    texts: pd.DataFrame
    removed: pd.DataFrame
    run: dict = field(default_factory=dict)


def display_path(name: str) -> str:
    """Show a model path relative to the repository's parent folder (portable in run.json)."""
    path = Path(name).resolve()
    for base, prefix in ((REPO_DIR, ""), (REPO_DIR.parent, "../")):
        try:
            return prefix + str(path.relative_to(base))
        except ValueError:
            continue
    return name


def units_frame(units: list[Unit]) -> pd.DataFrame:
    """Return the units as a DataFrame with the sentence-table columns before scoring."""
    cols = [c for c in SENTENCE_COLUMNS if c not in SCORED_COLUMNS]
    return pd.DataFrame([u.__dict__ for u in units], columns=cols)


def sentence_table(units: pd.DataFrame, probs: np.ndarray, settings: Settings) -> pd.DataFrame:
    """Attach probabilities, signed scores and aggregation weight to the unit rows.

    ``raw_score`` is p(favor) − p(against); ``score``, the one documents are built from, is
    the raw score relative to the other targets the same sentence names
    (:meth:`stance.documents.rule.DocumentRule.sentence_scores`, ``aggregate.contrast_weight``).
    """
    df = units.copy()
    if len(df):
        df["p_favor"], df["p_against"], df["p_neutral"] = probs[:, 0], probs[:, 1], probs[:, 2]
    else:
        df["p_favor"] = df["p_against"] = df["p_neutral"] = pd.Series(dtype=float)
    df["raw_score"] = df["p_favor"] - df["p_against"]
    df = DocumentRule.from_settings(settings.aggregate).scored(df)
    return df[SENTENCE_COLUMNS]


def text_tables(prepared: Iterable[PreparedDocument]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (texts, removed): each document's cleaned text and every line cleaning dropped."""
    texts, removed = [], []
    for p in prepared:
        texts.append({"doc_id": p.doc.id, "clean_text": p.clean.text, "n_sentences_total": len(p.sentences),
                      "removed_share": round(p.clean.removed_share, 4),
                      "sentences": json.dumps([s.text for s in p.sentences], ensure_ascii=False)})
        removed.extend({"doc_id": p.doc.id, "line_no": r.line_no, "text": r.text, "reason": r.reason}
                       for r in p.clean.removed)
    return (pd.DataFrame(texts, columns=["doc_id", "clean_text", "n_sentences_total", "removed_share", "sentences"]),
            pd.DataFrame(removed, columns=["doc_id", "line_no", "text", "reason"]))


def score_passages(scorer: Scorer, texts: pd.DataFrame, sentences: pd.DataFrame, settings: Settings,
                   progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Score each document's passage about each target it names (the document reader's input).

    Returns ``doc_id, target, passage, p_favor, p_against, p_neutral`` (one row per mentioned cell).
    """
    passages = passage_table(texts, sentences, settings.passage_words)
    probs = scorer.score(passages["passage"].tolist(), passages["target"].tolist(), progress=progress,
                         max_length=settings.passage_max_length)
    probs = probs.reshape(-1, 3)
    return passages.assign(p_favor=probs[:, 0], p_against=probs[:, 1], p_neutral=probs[:, 2])


def build_tables(corpus: Corpus, prepared: list[PreparedDocument], sentences: pd.DataFrame,
                 settings: Settings, parts: FittedParts | None = None, passages: pd.DataFrame | None = None) -> Results:
    """Aggregate a scored sentence table into :class:`Results` (shared by every engine).

    ``parts`` are the fitted head and calibrator the run uses (:func:`stance.documents.fitted.resolve`;
    default: none, the threshold rule with raw confidence); ``passages`` are the document
    reader's scored passages (:func:`score_passages`), used when ``settings.reader`` is ``document``.
    """
    parts = parts or FittedParts()
    documents = aggregate_documents(sentences, corpus.metadata(), list(settings.targets), settings.aggregate,
                                    head=parts.head)
    if passages is not None and len(passages):
        documents = apply_reader(documents, passages)
    if parts.calibrator is not None:
        from stance.documents.calibration import apply_calibration

        documents = apply_calibration(documents, parts.calibrator, settings.aggregate.neutral_threshold)
    sources = DocumentRule.from_settings(settings.aggregate).group(documents, "source")
    texts, removed = text_tables(prepared)
    return Results(sentences, documents, sources, texts, removed)


def run_record(corpus: Corpus, settings: Settings, model: str, fingerprint: str, parts: FittedParts,
               counts: dict, **extra) -> dict:
    """Return the ``run.json`` record of a labelling run (every engine builds it here).

    Takes the corpus, settings, model name, its fingerprint, the fitted parts used and
    ``counts`` (``sentences, target_sentences, pairs_cached, pairs_scored, seconds_prepare,
    seconds_total``); ``extra`` keys (engine details) are appended.
    """
    return {
        "corpus": corpus.name, "corpus_path": display_path(corpus.path) if corpus.path else "",
        "documents": len(corpus.documents),
        "sentences": int(counts["sentences"]), "target_sentences": int(counts["target_sentences"]),
        "model": display_path(model), "model_fingerprint": fingerprint, "templates": settings.templates,
        "context": settings.context, "targets": list(settings.targets),
        "aggregate": settings.aggregate.__dict__,
        "document_method": parts.method, "document_confidence": parts.confidence_basis,
        "pairs_cached": int(counts["pairs_cached"]), "pairs_scored": int(counts["pairs_scored"]),
        "seconds_prepare": round(counts["seconds_prepare"], 2), "seconds_total": round(counts["seconds_total"], 2),
        "warnings": list(corpus.warnings), **extra,
    }


def label_corpus(corpus: Corpus, settings: Settings, scorer: Scorer | None = None,
                 progress: bool = False) -> Results:
    """Label every document of ``corpus`` toward every configured target.

    Takes a loaded :class:`Corpus` and :class:`Settings` (and optionally a ready
    :class:`Scorer`, e.g. with a model already loaded); returns :class:`Results` with the
    sentence, document, source, text and removed-line tables and a ``run`` dict of counts
    and timings. ``progress`` shows a tqdm bar over the pairs to score.
    """
    t0 = time.perf_counter()
    matchers = build_matchers(settings.targets)
    scorer = scorer or Scorer(settings)
    prepared = prepare_documents(corpus.documents, matchers, settings.context, cache=scorer.cache)
    units = units_frame([u for p in prepared for u in p.units])
    t_prepare = time.perf_counter() - t0
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(units), unit="pair", desc="scoring", leave=False)
    probs = scorer.score(units["premise"].tolist(), units["target"].tolist(),
                         progress=(lambda n: bar.update(n)) if bar else None)
    if bar:
        bar.close()
    sentences = sentence_table(units, probs, settings)
    parts = resolve(settings, scorer.fingerprint, scorer.model_name)
    passages = None
    if settings.reader == "document":
        texts, _ = text_tables(prepared)
        passages = score_passages(scorer, texts, sentences, settings)
    results = build_tables(corpus, prepared, sentences, settings, parts, passages)
    results.run = run_record(corpus, settings, scorer.model_name, scorer.fingerprint, parts, {
        "sentences": sum(len(p.sentences) for p in prepared), "target_sentences": len(units),
        "pairs_cached": scorer.stats["cached"], "pairs_scored": scorer.stats["scored"],
        "seconds_prepare": t_prepare, "seconds_total": time.perf_counter() - t0})
    return results
