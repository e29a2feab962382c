"""Label a corpus: documents → units → cached NLI scores → sentence, document, source tables."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .aggregate import aggregate_documents, aggregate_groups, contrast_scores, sentence_weights
from .cache import ScoreCache, score_key
from .corpus import Corpus
from .nli import NLIModel, load_nli_model, model_fingerprint
from .prepare import PreparedDocument, Unit, prepare_documents
from .settings import HEADS_DIR, REPO_DIR, STANCES, Settings, SettingsError
from .targets import build_matchers

#: Pairs scored between two writes to the score cache (what an interrupted run can lose).
SCORE_CHUNK = 2048

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


class Scorer:
    """Scores units through the cache, loading the model only when something is missing."""

    def __init__(self, settings: Settings, model: NLIModel | None = None):
        self.settings = settings
        self.model_name = model.name if model else settings.resolved_model()
        self._model = model
        self.fingerprint = model.fingerprint if model else model_fingerprint(self.model_name)
        self.cache = ScoreCache(Path(settings.cache_dir) / "scores.sqlite") if settings.cache_dir else None
        self.stats = {"pairs": 0, "cached": 0, "scored": 0, "model_seconds": 0.0}

    @property
    def model(self) -> NLIModel:
        """The NLI model, loaded on first use."""
        if self._model is None:
            s = self.settings
            self._model = load_nli_model(self.model_name, s.device, s.max_length, s.threads)
        return self._model

    def hypotheses(self, target: str) -> list[str]:
        """Return the favor/against/neutral hypotheses for ``target`` from the templates."""
        return [self.settings.templates[s].format(target=target) for s in STANCES]

    def score(self, premises: list[str], targets: list[str],
              progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Return an (N, 3) array of p(favor), p(against), p(neutral) for each premise/target.

        Identical (premise, target) pairs are scored once; cached pairs not at all.
        """
        hyps = {t: self.hypotheses(t) for t in set(targets)}
        keys = [score_key(self.fingerprint, p, hyps[t]) for p, t in zip(premises, targets)]
        found = self.cache.get_many(list(set(keys))) if self.cache is not None else {}
        todo: dict[str, tuple[str, str]] = {}
        for k, p, t in zip(keys, premises, targets):
            if k not in found and k not in todo:
                todo[k] = (p, t)
        self.stats["pairs"] += len(keys)
        self.stats["cached"] += sum(1 for k in keys if k in found)
        self.stats["scored"] += len(todo)
        # Score in length-ordered chunks and store each chunk at once, so an interrupted run
        # (Ctrl-C, a killed process) keeps what it scored and resumes from the cache.
        items = sorted(todo.items(), key=lambda kv: len(kv[1][0]))
        seen = [0, 0]  # premise/hypothesis passes done, pairs reported

        def tick(n: int) -> None:
            seen[0] += n
            pairs = seen[0] // len(STANCES)
            if progress is not None and pairs > seen[1]:
                progress(pairs - seen[1])
                seen[1] = pairs

        for start in range(0, len(items), SCORE_CHUNK):
            chunk = items[start:start + SCORE_CHUNK]
            t0 = time.perf_counter()
            probs = self.model.stance_probs(
                [p for _, (p, _) in chunk], [hyps[t] for _, (_, t) in chunk],
                self.settings.batch_size,
                progress=tick if progress else None,
            )
            self.stats["model_seconds"] += time.perf_counter() - t0
            new = {k: probs[i] for i, (k, _) in enumerate(chunk)}
            if self.cache is not None:
                self.cache.put_many(new)
            found.update(new)
        if not keys:
            return np.zeros((0, 3), dtype=np.float32)
        return np.stack([found[k] for k in keys])


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
    (:func:`stance.aggregate.contrast_scores`, ``aggregate.contrast_weight``).
    """
    df = units.copy()
    if len(df):
        df["p_favor"], df["p_against"], df["p_neutral"] = probs[:, 0], probs[:, 1], probs[:, 2]
    else:
        df["p_favor"] = df["p_against"] = df["p_neutral"] = pd.Series(dtype=float)
    df["raw_score"] = df["p_favor"] - df["p_against"]
    df["score"] = contrast_scores(df, settings.aggregate.contrast_weight)
    df["weight"] = sentence_weights(df["position"], df["cue"] != "", settings.aggregate, df["p_neutral"])
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


def find_head(settings: Settings, fingerprint: str | None = None):
    """Return the calibrated document head for the model, or None (see ``aggregate.method``).

    Raises :class:`SettingsError` when ``method = "head"`` but no head fits the model.
    """
    from .dochead import DocHead

    method = settings.aggregate.method
    if method == "mean":
        return None
    fingerprint = fingerprint or model_fingerprint(settings.resolved_model())
    path = HEADS_DIR / f"{fingerprint}.json"
    if path.is_file():
        return DocHead.load(path)
    if method == "head":
        raise SettingsError(f"aggregate.method = 'head' but {path} does not exist (fit one with benchmarks/tune_documents.py)")
    return None


def find_calibrator(settings: Settings, fingerprint: str | None = None):
    """Return the confidence calibrator fitted for the model (see ``stance.calibration``), or None.

    Only the mean-and-threshold rule is calibrated this way (the head has its own probabilities),
    and only under the aggregation settings it was fitted with (``info["aggregate"]``): labels
    made with another threshold, prior or contrast are other labels, and their confidence
    stays the raw bootstrap agreement.
    """
    from .calibration import calibration_path
    from .dochead import DocHead

    fingerprint = fingerprint or model_fingerprint(settings.resolved_model())
    path = calibration_path(HEADS_DIR, fingerprint)
    if not path.is_file():
        return None
    cal = DocHead.load(path)
    fitted = cal.info.get("aggregate", {})
    now = settings.aggregate.label_settings()
    if any(not np.isclose(float(v), now[k]) for k, v in fitted.items() if k in now):
        return None
    return cal


def confidence_basis(settings: Settings, fingerprint: str) -> str:
    """Say in words what the document ``confidence`` column means for this run."""
    if find_head(settings, fingerprint) is not None:
        return "probability of the calibrated document head"
    if find_calibrator(settings, fingerprint) is not None:
        return "P(label right), calibrated on the AllSides dev gold (raw bootstrap agreement in 'agreement')"
    return "bootstrap agreement over the document's sentences (not calibrated for this model and these settings)"


def build_tables(corpus: Corpus, prepared: list[PreparedDocument], sentences: pd.DataFrame,
                 settings: Settings, fingerprint: str | None = None) -> Results:
    """Aggregate a scored sentence table into :class:`Results` (shared by every engine).

    ``fingerprint`` identifies the model whose scores these are (default: the configured
    model's), which picks the calibrated document head.
    """
    meta = corpus.metadata()
    targets = list(settings.targets)
    head = find_head(settings, fingerprint)
    documents = aggregate_documents(sentences, meta, targets, settings.aggregate, head=head)
    calibrator = None if head is not None else find_calibrator(settings, fingerprint)
    if calibrator is not None:
        from .calibration import apply_calibration

        documents = apply_calibration(documents, calibrator, settings.aggregate.neutral_threshold)
    sources = aggregate_groups(documents, "source", settings.aggregate)
    texts, removed = text_tables(prepared)
    return Results(sentences, documents, sources, texts, removed)


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
    results = build_tables(corpus, prepared, sentences, settings, scorer.fingerprint)
    results.run = {
        "corpus": corpus.name, "corpus_path": display_path(corpus.path) if corpus.path else "",
        "documents": len(corpus.documents),
        "sentences": int(sum(len(p.sentences) for p in prepared)),
        "target_sentences": int(len(units)), "model": display_path(scorer.model_name),
        "model_fingerprint": scorer.fingerprint, "templates": settings.templates,
        "context": settings.context, "targets": list(settings.targets),
        "aggregate": settings.aggregate.__dict__,
        "document_method": "head" if find_head(settings, scorer.fingerprint) else "mean",
        "document_confidence": confidence_basis(settings, scorer.fingerprint),
        "pairs_cached": int(scorer.stats["cached"]), "pairs_scored": int(scorer.stats["scored"]),
        "seconds_prepare": round(t_prepare, 2), "seconds_total": round(time.perf_counter() - t0, 2),
        "warnings": list(corpus.warnings),
    }
    return results
