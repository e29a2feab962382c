"""A document's passage about one target: what the document-level reader reads.

A careful reader judges an article's stance toward a target from its headline, its lead and the
places that talk about the target, weighed together; one sentence read alone rarely says whose
voice it is or which side the article takes. The passage gives a document-level NLI model that
view in one premise: the headline and the lead (the article's framing), then every sentence that
names the target, in document order, each once, until a word budget is spent.

Passages are built from the result tables (each document's sentences and the sentence table's
``doc_id, target, sent_idx``), so every engine, and the lab, builds the same passage.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from stance.text.prepare import LEAD_SENTENCES

#: Words in a passage (about 1.3 tokens each: 300 words fill a 448-token premise).
PASSAGE_WORDS = 300


def target_passage(sentences: Sequence[str], named: Sequence[int], max_words: int = PASSAGE_WORDS) -> str:
    """Return the passage over ``sentences`` for a target named in sentences ``named`` ("" if none).

    Takes a document's sentences (the headline first) and the indices of those that name the
    target; returns the headline and lead, then each naming sentence in document order, joined
    by spaces and cut at ``max_words`` words.
    """
    if not len(named):
        return ""
    words: list[str] = []
    for idx in dict.fromkeys([*range(min(LEAD_SENTENCES + 1, len(sentences))), *sorted(named)]):
        words.extend(sentences[idx].split())
        if len(words) >= max_words:
            break
    return " ".join(words[:max_words])


def passage_table(texts: pd.DataFrame, sentences: pd.DataFrame, max_words: int = PASSAGE_WORDS) -> pd.DataFrame:
    """Return ``doc_id, target, passage`` for every document and target a sentence names.

    Takes the texts table (``doc_id`` and ``sentences``: a JSON list or a list per document) and
    the sentence table (``doc_id, target, sent_idx``).
    """
    if sentences.empty:
        return pd.DataFrame(columns=["doc_id", "target", "passage"])
    doc_sents = {d: json.loads(s) if isinstance(s, str) else list(s) for d, s in zip(texts["doc_id"], texts["sentences"])}
    rows = [{"doc_id": d, "target": t, "passage": target_passage(doc_sents[d], g.to_list(), max_words)}
            for (d, t), g in sentences.groupby(["doc_id", "target"], sort=False)["sent_idx"]]
    return pd.DataFrame(rows, columns=["doc_id", "target", "passage"])
