"""The document rule: sentence scores → document score and label → group (source) stance.

One object holds every number that decides a label, and every caller uses it: the engine
(document and source tables), the app (regrouping documents by rating, period or a custom
grouping after a person corrected a label) and the lab's tuning (thousands of candidate rules
over the same sentences).

Sentence → document. Each sentence that names the target has a signed raw score
``p(favor) − p(against)`` in [-1, 1]; where the sentence also names other targets, its score
``s`` is taken relative to theirs (``contrast_weight``, :meth:`DocumentRule.sentence_scores`).
Each sentence has a weight (:meth:`DocumentRule.sentence_weights`). The document score is the
weighted mean of ``s`` with ``prior_sentences`` neutral pseudo-sentences added, so a passing
mention needs stronger wording than a position held across the article; the label is
``favor`` above ``+neutral_threshold``, ``against`` below ``−neutral_threshold``, else
``neutral``. A mean, not a max: one strong sentence in a long report is usually a quoted voice.

Document → group. A group's score for a target is the mean of its documents' scores over the
documents that mention the target (each document counts once); its 95% interval is a percentile
bootstrap over those documents, and its confidence the share of bootstrap means whose label
equals the group's label.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from stance.settings import DOC_LABELS, AggregateSettings

N_BOOT = 200
SEED = 0
#: Columns of a group table (after the group keys).
GROUP_COLUMNS = ["target", "label", "score", "confidence", "ci_low", "ci_high", "n_documents", "n_documents_total",
                 "n_sentences", "n_favor", "n_against", "n_neutral", "n_not_mentioned"]


def label_from_score(score: np.ndarray | float, threshold: float) -> np.ndarray:
    """Map signed scores to ``favor`` / ``against`` / ``neutral`` with a symmetric threshold."""
    s = np.asarray(score, dtype=float)
    return np.where(s > threshold, "favor", np.where(s < -threshold, "against", "neutral"))


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


def other_targets_mean(sentences: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return, per row, the mean raw score of the other targets its sentence names, and how many
    targets the sentence names (``doc_id, sent_idx, raw_score``; the mean is 0 where it names one)."""
    raw = sentences["raw_score"].astype(float)
    g = raw.groupby([sentences["doc_id"], sentences["sent_idx"]])
    total, n = g.transform("sum").to_numpy(), g.transform("size").to_numpy()
    return (total - raw.to_numpy()) / np.maximum(n - 1, 1), n


@dataclass(frozen=True)
class DocumentRule:
    """The numbers that turn sentence scores into document labels and group stance.

    Build one from settings with :meth:`from_settings`; every field is an
    :class:`~stance.settings.AggregateSettings` key of the same name.
    """

    # the defaults are the settings' own (one copy of each number)
    neutral_threshold: float = AggregateSettings.neutral_threshold
    prior_sentences: float = AggregateSettings.prior_sentences
    contrast_weight: float = AggregateSettings.contrast_weight
    quote_weight: float = AggregateSettings.quote_weight
    headline_weight: float = AggregateSettings.headline_weight
    strength_weight: float = AggregateSettings.strength_weight

    @classmethod
    def from_settings(cls, settings: AggregateSettings) -> DocumentRule:
        """Return the rule the aggregation settings describe."""
        return cls(**{f.name: float(getattr(settings, f.name)) for f in fields(cls)})

    # ------------------------------------------------------------ sentences

    def sentence_scores(self, sentences: pd.DataFrame) -> np.ndarray:
        """Return each row's score relative to the other targets its sentence names.

        Takes a sentence table (``doc_id, sent_idx, target`` and the model's signed score as
        ``raw_score``, else ``score``); returns ``s_t − contrast_weight · mean(s_o)`` over the
        other targets ``o`` scored on the same sentence, ``s_t`` where it names one target,
        clipped to [-1, 1]. Why: conflict news reads as negative about every party in it
        ("Israel struck Iranian sites"); the side a sentence takes shows in how it treats one
        party relative to the others.
        """
        raw = (sentences["raw_score"] if "raw_score" in sentences else sentences["score"]).astype(float)
        if self.contrast_weight == 0 or sentences.empty:
            return raw.to_numpy(copy=True)
        others, n = other_targets_mean(sentences.assign(raw_score=raw))
        s = raw.to_numpy()
        # kept in [-1, 1] like every other score (colour scales, thresholds and evidence assume it)
        return np.where(n > 1, np.clip(s - self.contrast_weight * others, -1.0, 1.0), s)

    def sentence_weights(self, position: pd.Series, attributed: pd.Series,
                         p_neutral: pd.Series | np.ndarray | None = None) -> np.ndarray:
        """Return each sentence's weight in its document's mean.

        Takes the sentences' positions, whether each is attributed (reported speech) and
        optionally the model's p(neutral); returns ``quote_weight`` for attributed sentences ×
        ``headline_weight`` for the headline and lead × ``(1 − p_neutral) ** strength_weight``.
        """
        w = np.ones(len(position))
        w[np.asarray(attributed, dtype=bool)] *= self.quote_weight
        w[np.isin(np.asarray(position), ["headline", "lead"])] *= self.headline_weight
        if p_neutral is not None and self.strength_weight:
            w *= np.clip(1.0 - np.asarray(p_neutral, dtype=float), 0.0, 1.0) ** self.strength_weight
        return w

    def scored(self, sentences: pd.DataFrame) -> pd.DataFrame:
        """Return a copy of a sentence table with this rule's ``score`` and ``weight`` columns.

        Takes ``doc_id, sent_idx, target, position, cue`` and ``raw_score`` (or ``score``) and,
        when present, ``p_neutral``.
        """
        p_neutral = sentences["p_neutral"] if "p_neutral" in sentences else None
        return sentences.assign(score=self.sentence_scores(sentences),
                                weight=self.sentence_weights(sentences["position"], sentences["cue"] != "", p_neutral))

    # ------------------------------------------------------------ documents

    def score(self, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Return the document score(s): the weighted mean over the last axis with the neutral prior.

        Takes sentence scores in [-1, 1] and their weights (same shape; a 2-D array scores many
        bootstrap resamples at once); returns 0.0 where there is nothing to average.
        """
        s, w = np.asarray(scores, dtype=float), np.asarray(weights, dtype=float)
        return self._prior_mean((s * w).sum(axis=-1), w.sum(axis=-1))

    def document_scores(self, sentences: pd.DataFrame) -> pd.Series:
        """Return every document's score from a table with ``doc_id, target, score, weight``.

        Grouped rather than one by one (tuning calls it thousands of times); equal to
        :meth:`score` on each group. Returns a Series indexed by (doc_id, target).
        """
        g = sentences.assign(_sw=sentences["score"] * sentences["weight"]).groupby(["doc_id", "target"])
        sums = g[["_sw", "weight"]].sum()
        return pd.Series(self._prior_mean(sums["_sw"].to_numpy(), sums["weight"].to_numpy()), index=sums.index)

    def _prior_mean(self, weighted_sum: np.ndarray, weight_sum: np.ndarray) -> np.ndarray:
        # the one formula for a document score, per document or grouped over a table
        return weighted_sum / np.maximum(weight_sum + self.prior_sentences, 1e-12)

    def label(self, score: np.ndarray | float) -> np.ndarray:
        """Return the label(s) of document or group score(s) (see :func:`label_from_score`)."""
        return label_from_score(score, self.neutral_threshold)

    def agreement(self, scores: np.ndarray, weights: np.ndarray, label: str, rng: np.random.Generator) -> float:
        """Return the share of bootstrap resamples of a document's sentences whose label is ``label``."""
        n = len(scores)
        if n == 0:
            return 0.0
        idx = rng.integers(0, n, size=(N_BOOT, n))
        return float((self.label(self.score(scores[idx], weights[idx])) == label).mean())

    # ------------------------------------------------------------ groups

    def group(self, documents: pd.DataFrame, by: str | list[str], count_human: bool = False) -> pd.DataFrame:
        """Aggregate documents into group × target rows.

        Takes the document table (``target, label, score, n_sentences`` and the ``by``
        columns) and the grouping column(s); returns one row per group and target with the
        keys and :data:`GROUP_COLUMNS` (``n_documents`` counts the documents that mention the
        target), plus ``n_human`` (documents whose label a person set) when ``count_human``.
        Empty or missing keys group as ``(none)``; an empty input gives an empty table.
        """
        keys = [by] if isinstance(by, str) else list(by)
        columns = keys + GROUP_COLUMNS + (["n_human"] if count_human else [])
        if documents.empty:
            return pd.DataFrame(columns=columns)
        docs = documents.copy()
        for k in keys:
            if docs[k].dtype.kind not in "Mm":
                docs[k] = docs[k].fillna("").astype(str).replace("", "(none)")
        labels = docs["label"].to_numpy(dtype=object)
        scores = docs["score"].to_numpy(dtype=float)
        human = (docs["label_source"] == "human").to_numpy() if "label_source" in docs else np.zeros(len(docs), bool)
        sentences = docs["n_sentences"].fillna(0).to_numpy(dtype=np.int64)
        rows = []
        for key, idx in docs.groupby(keys + ["target"], sort=True, dropna=False).indices.items():
            key = key if isinstance(key, tuple) else (key,)
            lab = labels[idx]
            mentioned = scores[idx][lab != "not_mentioned"]
            row = dict(zip(keys + ["target"], key))
            row.update(n_documents=int(len(mentioned)), n_documents_total=int(len(idx)),
                       n_sentences=int(sentences[idx].sum()),
                       **{f"n_{name}": int((lab == name).sum()) for name in DOC_LABELS}, n_human=int(human[idx].sum()))
            row.update(self._group_score(mentioned))
            rows.append(row)
        out = pd.DataFrame(rows).sort_values(keys + ["target"], kind="stable").reset_index(drop=True)
        return out[columns]

    def _group_score(self, scores: np.ndarray) -> dict:
        # label, mean score, bootstrap confidence and 95% interval of one group
        if len(scores) == 0:
            return {"label": "not_mentioned", "score": np.nan, "confidence": 1.0, "ci_low": np.nan, "ci_high": np.nan}
        score = float(scores.mean())
        label = str(self.label(score))
        lo, hi = bootstrap_interval(scores)
        rng = np.random.default_rng(SEED)
        boot = scores[rng.integers(0, len(scores), size=(N_BOOT, len(scores)))].mean(axis=1)
        conf = float((self.label(boot) == label).mean())
        return {"label": label, "score": score, "confidence": conf, "ci_low": lo, "ci_high": hi}
