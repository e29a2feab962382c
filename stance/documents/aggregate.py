"""Build the document × target table from scored sentences (labels, confidence, evidence).

The numbers that decide a label live in one place, :class:`stance.documents.rule.DocumentRule`
(contrast, weights, neutral prior, threshold); this module applies it to every document and
target and adds what the tables show beside the label.

Confidence is the share of bootstrap resamples of the document's sentences (weights kept) whose
label equals the document's label: 1.0 when every resample agrees, near 1/3 when the label is a
coin toss. It says how much the label depends on which sentences happened to be there, and it
falls naturally for documents resting on one or two sentences. A target no sentence names is
``not_mentioned`` (never a guessed stance).

When a calibrated document head (:mod:`stance.documents.head`) fitted on the running model's
scores is used (``aggregate.method`` ``auto`` or ``head``), it replaces the threshold rule for
documents that name the target: its label is the most probable class, its confidence that
probability, its score P(favor) − P(against). Evidence sentences are the same either way.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from stance.documents.rule import SEED, DocumentRule
from stance.settings import AggregateSettings


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
    """Relabel the mentioned rows of ``documents`` with a :class:`~stance.documents.head.DocHead`.

    Returns a copy with ``label``, ``score`` (P(favor) − P(against)), ``confidence`` (the
    label's probability) and ``p_favor_doc``/``p_against_doc``/``p_neutral_doc`` replaced.
    """
    from stance.documents.head import document_features

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


def apply_reader(documents: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """Relabel the mentioned rows of ``documents`` with the document reader's passage probabilities.

    Takes the document table and ``doc_id, target, p_favor, p_against, p_neutral`` per passage;
    returns a copy whose ``label`` is the most probable stance, ``score`` P(favor) − P(against),
    ``confidence`` the label's probability, plus ``p_favor_doc, p_against_doc, p_neutral_doc``.
    Evidence sentences stay as they are (scored by the same model, one sentence at a time).
    """
    out = documents.copy()
    probs = passages.set_index(["doc_id", "target"])[["p_favor", "p_against", "p_neutral"]]
    keys = pd.MultiIndex.from_arrays([out["doc_id"], out["target"]])
    found = keys.isin(probs.index) & (out["label"] != "not_mentioned").to_numpy()
    p = probs.reindex(keys[found]).to_numpy(float)
    classes = np.array(["favor", "against", "neutral"])
    out.loc[found, "label"] = classes[p.argmax(axis=1)]
    out.loc[found, "score"] = p[:, 0] - p[:, 1]
    out.loc[found, "confidence"] = p.max(axis=1)
    for i, name in enumerate(("p_favor_doc", "p_against_doc", "p_neutral_doc")):
        out[name] = np.nan
        out.loc[found, name] = p[:, i]
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
    rule = DocumentRule.from_settings(settings)
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
                score = float(rule.score(s, w))
                label = str(rule.label(score))
                row.update(
                    label=label, score=score, confidence=rule.agreement(s, w, label, rng),
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


