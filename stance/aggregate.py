"""Aggregate sentence scores into document and source stance tables.

Sentence → document. Each sentence that names the target has a signed raw score
``p(favor) − p(against)`` in [-1, 1]; where the sentence also names other targets, its
score ``s`` is taken relative to theirs (``contrast_weight``, see :func:`contrast_scores`),
else ``s`` is the raw score. Each sentence has a weight: ``(1 − p(neutral)) ** strength_weight``
(how clearly the model reads it as taking a side) times ``quote_weight`` for reported
speech (quotes and attributions carry someone else's position, which the article need not
adopt), ``headline_weight`` for the headline and lead (where the article frames its
story). The document score is the weighted mean of ``s``, with ``prior_sentences``
neutral (score 0, weight 1) pseudo-sentences added so that a passing mention needs stronger
wording than a position held across the article; the label is ``favor`` above
``+neutral_threshold``, ``against`` below ``−neutral_threshold``, else ``neutral``; a
target no sentence names is ``not_mentioned`` (never a guessed stance). A weighted mean,
not a max, because one strong sentence in a long report is usually a quoted voice, and
the mean rewards a position held across the article.

Confidence is the share of bootstrap resamples of the document's sentences (weights kept)
whose label equals the document's label: 1.0 when every resample agrees, near 1/3 when
the label is a coin toss. It says how much the label depends on which sentences happened
to be there, and it falls naturally for documents resting on one or two sentences.

When a calibrated document head (``stance.dochead``) fitted on the running model's scores
is available and ``aggregate.method`` is ``auto`` or ``head``, it replaces the threshold
rule for documents that name the target: its label is the most probable class, its
confidence that probability (calibrated on the dev gold), its score P(favor) − P(against).
Evidence sentences are the same either way.

Document → source. A source's score for a target is the mean of its documents' scores
over the documents that mention the target (each document counts once, whatever its
length); the 95% interval is a percentile bootstrap over those documents, and the
confidence is the share of bootstrap means whose label equals the source's label.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .settings import AggregateSettings

N_BOOT = 200
SEED = 0


def label_from_score(score: np.ndarray | float, threshold: float) -> np.ndarray:
    """Map signed scores to ``favor`` / ``against`` / ``neutral`` with a symmetric threshold."""
    s = np.asarray(score, dtype=float)
    return np.where(s > threshold, "favor", np.where(s < -threshold, "against", "neutral"))


def sentence_weights(position: pd.Series, attributed: pd.Series, settings: AggregateSettings,
                     p_neutral: pd.Series | np.ndarray | None = None) -> np.ndarray:
    """Return each sentence's aggregation weight.

    Takes the sentences' positions, whether each is attributed, the settings and (optionally)
    the model's p(neutral); returns ``quote_weight`` for attributed sentences ×
    ``headline_weight`` for the headline and lead × ``(1 − p_neutral) ** strength_weight``:
    a sentence the model reads as taking a side counts more than reporting it reads as
    neutral, which otherwise dilutes the stance of a long article toward nothing.
    """
    w = np.ones(len(position))
    w[np.asarray(attributed, dtype=bool)] *= settings.quote_weight
    w[np.isin(np.asarray(position), ["headline", "lead"])] *= settings.headline_weight
    if p_neutral is not None and settings.strength_weight:
        w *= np.clip(1.0 - np.asarray(p_neutral, dtype=float), 0.0, 1.0) ** settings.strength_weight
    return w


def contrast_scores(sentences: pd.DataFrame, weight: float) -> np.ndarray:
    """Return each row's score relative to the other targets its sentence names.

    Takes a sentence table (``doc_id, sent_idx, target`` and the raw signed ``score`` column
    given as ``raw_score`` when present, else ``score``) and the contrast weight λ; returns
    ``s_t − λ · mean(s_o)`` over the other targets ``o`` scored on the same sentence, and
    ``s_t`` unchanged where the sentence names one target, clipped to [-1, 1]. Why: news of a conflict reads as
    negative about every party in it ("Israel struck Iranian sites"), so the raw score
    calls a report "against" both; the side a sentence takes shows in how it treats one
    party relative to the others. λ = 0 gives the raw scores.
    """
    raw = sentences["raw_score"] if "raw_score" in sentences else sentences["score"]
    raw = raw.astype(float)
    if weight == 0 or sentences.empty:
        return raw.to_numpy(copy=True)
    others, n = other_targets_mean(sentences.assign(raw_score=raw))
    s = raw.to_numpy()
    # kept in [-1, 1] like every other score (colour scales, thresholds and evidence assume it)
    return np.where(n > 1, np.clip(s - weight * others, -1.0, 1.0), s)


def other_targets_mean(sentences: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return, per row, the mean raw score of the other targets its sentence names, and how many
    targets the sentence names (``doc_id, sent_idx, raw_score``; the mean is 0 where it names one)."""
    raw = sentences["raw_score"].astype(float)
    g = raw.groupby([sentences["doc_id"], sentences["sent_idx"]])
    total, n = g.transform("sum").to_numpy(), g.transform("size").to_numpy()
    return (total - raw.to_numpy()) / np.maximum(n - 1, 1), n


def document_score(scores: np.ndarray, weights: np.ndarray, prior: float = 0.0) -> np.ndarray:
    """Return the weighted mean of sentence ``scores`` with ``prior`` neutral pseudo-sentences.

    Takes scores in [-1, 1] and their weights (same shape; the last axis holds one document's
    sentences, so a 2-D array scores many resamples at once) and the number of neutral
    pseudo-sentences (score 0, weight 1); returns the score(s) over the last axis (0.0 when
    there is nothing to average).
    """
    s, w = np.asarray(scores, dtype=float), np.asarray(weights, dtype=float)
    return _prior_mean((s * w).sum(axis=-1), w.sum(axis=-1), prior)


def _prior_mean(weighted_sum: np.ndarray, weight_sum: np.ndarray, prior: float) -> np.ndarray:
    # the one formula for a document score, whether per document or grouped over a table
    return weighted_sum / np.maximum(weight_sum + prior, 1e-12)


def document_scores(sentences: pd.DataFrame, prior: float = 0.0) -> pd.Series:
    """Return every document's score from a sentence table, grouped rather than one by one.

    Takes a table with ``doc_id, target, score, weight`` and the neutral pseudo-sentences;
    returns a Series indexed by (doc_id, target), equal to :func:`document_score` on each
    group (what tuning calls thousands of times).
    """
    g = sentences.assign(_sw=sentences["score"] * sentences["weight"]).groupby(["doc_id", "target"])
    sums = g[["_sw", "weight"]].sum()
    return pd.Series(_prior_mean(sums["_sw"].to_numpy(), sums["weight"].to_numpy(), prior), index=sums.index)


def _bootstrap_agreement(scores: np.ndarray, weights: np.ndarray, label: str, threshold: float,
                         rng: np.random.Generator, prior: float = 0.0) -> float:
    n = len(scores)
    if n == 0:
        return 0.0
    idx = rng.integers(0, n, size=(N_BOOT, n))
    means = document_score(scores[idx], weights[idx], prior)
    return float((label_from_score(means, threshold) == label).mean())


def _evidence(group: pd.DataFrame, side: str, k: int) -> str:
    if side == "favor":
        sel = group[group["score"] > 0].nlargest(k, "score")
    else:
        sel = group[group["score"] < 0].nsmallest(k, "score")
    items = []
    for r in sel.itertuples():
        item = {"sent_idx": int(r.sent_idx), "text": r.sentence, "score": round(float(r.score), 4),
                "attributed": bool(r.cue)}
        raw = getattr(r, "raw_score", r.score)
        if abs(raw - r.score) > 1e-9:  # the sentence names other targets: say what the model said
            item["raw_score"] = round(float(raw), 4)
        items.append(item)
    return json.dumps(items, ensure_ascii=False)


def apply_head(documents: pd.DataFrame, sentences: pd.DataFrame, head) -> pd.DataFrame:
    """Relabel the mentioned rows of ``documents`` with a :class:`~stance.dochead.DocHead`.

    Returns a copy with ``label``, ``score`` (P(favor) − P(against)), ``confidence`` (the
    label's probability) and ``p_favor_doc``/``p_against_doc``/``p_neutral_doc`` replaced.
    """
    from .dochead import document_features

    out = documents.copy()
    mentioned = out["label"] != "not_mentioned"
    if not mentioned.any():
        return out
    feats = document_features(sentences)
    keys = list(zip(out.loc[mentioned, "doc_id"], out.loc[mentioned, "target"]))
    probs = head.predict_proba(feats.loc[keys])
    cls = list(head.classes)
    pf, pa, pn = probs[:, cls.index("favor")], probs[:, cls.index("against")], probs[:, cls.index("neutral")]
    out.loc[mentioned, "label"] = [cls[i] for i in probs.argmax(axis=1)]
    out.loc[mentioned, "score"] = pf - pa
    out.loc[mentioned, "confidence"] = probs.max(axis=1)
    for name, col in (("p_favor_doc", pf), ("p_against_doc", pa), ("p_neutral_doc", pn)):
        out[name] = np.nan
        out.loc[mentioned, name] = col
    return out


def aggregate_documents(sentences: pd.DataFrame, meta: pd.DataFrame, targets: list[str],
                        settings: AggregateSettings, head=None) -> pd.DataFrame:
    """Build the document × target table.

    Takes the sentence table (``doc_id, target, sent_idx, sentence, score, weight, cue``),
    the document metadata (``doc_id, source, title, date, ...``) and the target names;
    returns one row per document and target with ``label, score, confidence, n_sentences,
    n_attributed, evidence_favor, evidence_against`` (evidence as JSON lists of
    ``{sent_idx, text, score, attributed}``), plus the metadata columns.
    """
    rng = np.random.default_rng(SEED)
    rows = []
    grouped = {key: g for key, g in sentences.groupby(["doc_id", "target"], sort=False)} if len(sentences) else {}
    for doc in meta.itertuples(index=False):
        for target in targets:
            g = grouped.get((doc.doc_id, target))
            row = {"doc_id": doc.doc_id, "target": target}
            if g is None or g.empty:
                row.update(label="not_mentioned", score=np.nan, confidence=1.0, n_sentences=0,
                           n_attributed=0, evidence_favor="[]", evidence_against="[]")
            else:
                s = g["score"].to_numpy(float)
                w = g["weight"].to_numpy(float)
                score = float(document_score(s, w, settings.prior_sentences))
                label = str(label_from_score(score, settings.neutral_threshold))
                row.update(
                    label=label, score=score,
                    confidence=_bootstrap_agreement(s, w, label, settings.neutral_threshold, rng,
                                                    settings.prior_sentences),
                    n_sentences=int(len(g)), n_attributed=int((g["cue"] != "").sum()),
                    evidence_favor=_evidence(g, "favor", settings.top_evidence),
                    evidence_against=_evidence(g, "against", settings.top_evidence),
                )
            rows.append(row)
    docs = pd.DataFrame(rows)
    if head is not None and len(sentences):
        docs = apply_head(docs, sentences, head)
    out = docs.merge(meta, on="doc_id", how="left")
    front = ["doc_id", "source", "title", "date", "target", "label", "score", "confidence", "n_sentences"]
    return out[front + [c for c in out.columns if c not in front]]


def bootstrap_interval(values: np.ndarray, n_boot: int = 1000, level: float = 0.95,
                       seed: int = SEED) -> tuple[float, float]:
    """Return the percentile bootstrap interval of the mean of ``values`` (NaN when empty)."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return float("nan"), float("nan")
    if len(values) == 1:
        return float(values[0]), float(values[0])
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)
    a = (1 - level) / 2
    return float(np.quantile(means, a)), float(np.quantile(means, 1 - a))


def aggregate_groups(documents: pd.DataFrame, by: str | list[str], settings: AggregateSettings) -> pd.DataFrame:
    """Build a group × target table (group = ``source`` by default, or any column(s)).

    Takes the document table; returns one row per group and target with ``label, score,
    confidence, ci_low, ci_high, n_documents`` (documents that mention the target),
    ``n_documents_total``, ``n_sentences`` and the count of each document label.
    """
    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    thr = settings.neutral_threshold
    for key, g in documents.groupby(keys + ["target"], sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        mentioned = g[g["label"] != "not_mentioned"]
        scores = mentioned["score"].to_numpy(float)
        counts = g["label"].value_counts()
        row = dict(zip(keys + ["target"], key))
        row.update(n_documents=int(len(mentioned)), n_documents_total=int(len(g)),
                   n_sentences=int(g["n_sentences"].sum()),
                   **{f"n_{lab}": int(counts.get(lab, 0)) for lab in ("favor", "against", "neutral", "not_mentioned")})
        if len(mentioned) == 0:
            row.update(label="not_mentioned", score=np.nan, confidence=1.0, ci_low=np.nan, ci_high=np.nan)
        else:
            score = float(scores.mean())
            label = str(label_from_score(score, thr))
            lo, hi = bootstrap_interval(scores)
            rng = np.random.default_rng(SEED)
            boot = scores[rng.integers(0, len(scores), size=(N_BOOT, len(scores)))].mean(axis=1)
            conf = float((label_from_score(boot, thr) == label).mean())
            row.update(label=label, score=score, confidence=conf, ci_low=lo, ci_high=hi)
        rows.append(row)
    out = pd.DataFrame(rows)
    front = keys + ["target", "label", "score", "confidence", "ci_low", "ci_high", "n_documents"]
    return out[front + [c for c in out.columns if c not in front]]
