"""Sentence readings where the model fails: draw sentence x target cells by failure mode, from both corpora.

The sentence model misreads news in known ways; this draws sentences that name a target from the
shipped AllSides corpora (never from a test, dev or silver article) in quotas per mode, and writes
them in batches for readers who label each sentence x target under
``lab/data/NEWS_SENTENCES_RULES.md``. The batches, the readers' ``labels_K.csv`` and the merge are
the same as :mod:`lab.readings.news_sentences` (``python -m lab.readings.news_sentences merge``).

Modes (a sentence takes the first that fits):

* ``speaker``: reported speech whose speaker is a target ("Iran denied ...", "Rouhani accused ...");
* ``reported``: reported speech of a third party about a target;
* ``conflict``: a sentence naming two or more targets (conflict news reads negative about every party);
* ``domestic``: a United States sentence in a domestic-politics article (a party fight is not the US as an actor);
* ``headline``: the headline or lead;
* ``other``: the rest (the model's everyday input).

    python -m lab.readings.sentence_modes DIR [--n 16000] [--batch-size 160] [--seed 2041]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from lab.evaluation.golds import CORPORA, GOLD_SETS
from lab.readings.news_sentences import write_batches
from stance.io.corpus import load_corpus
from stance.settings import load_settings
from stance.text.attribution import ATTRIBUTION
from stance.text.prepare import prepare_documents
from stance.text.targets import build_matchers

DOMESTIC = {"elections", "politics", "white_house", "immigration", "us_senate", "us_house", "us_congress",
            "impeachment", "republican_party", "democratic_party", "justice_department", "fbi", "supreme_court"}
QUOTAS = {"speaker": 0.2, "reported": 0.2, "conflict": 0.2, "domestic": 0.15, "headline": 0.1, "other": 0.15}
PER_ARTICLE = 3


def held_out_ids() -> set[str]:
    """Return the articles no training reading may come from: test, dev and silver golds."""
    ids: set[str] = set()
    for name in ("allsides-test", "allsides-dev", "allsides-silver"):
        g = GOLD_SETS[name]
        if g.available():
            ids |= set(pd.read_csv(g.csv, usecols=["doc_id"])["doc_id"])
        elif g.role == "test":
            raise FileNotFoundError(f"{g.csv}: the test gold is needed to keep its articles out")
    return ids


def target_speaks(sentence: str, aliases: list[str], max_gap: int = 4) -> bool:
    """True when one of the target's ``aliases`` comes at most ``max_gap`` words before the attribution cue."""
    cue = ATTRIBUTION.search(sentence)
    if not cue:
        return False
    first = min((i for i in (sentence.find(a) for a in aliases if a) if i >= 0), default=-1)
    return 0 <= first < cue.start() and len(sentence[first:cue.start()].split()) <= max_gap


def sentence_table(corpora: tuple[str, ...] = ("allsides", "us_world")) -> pd.DataFrame:
    """Return one row per sentence that names a target, with its mode, from the held-in articles.

    Columns: ``doc_id, sent_idx, targets, title, previous, text, mode``.
    """
    settings = load_settings(environ={})
    matchers = build_matchers(settings.targets)
    held = held_out_ids()
    rows = []
    for name in corpora:
        docs = [d for d in load_corpus(CORPORA[name]).documents if d.id not in held]
        topic = {d.id: str(d.extra.get("topic", "")) for d in docs}
        for p in prepare_documents(docs, matchers):
            by_sent: dict[int, list] = {}
            for u in p.units:
                by_sent.setdefault(u.sent_idx, []).append(u)
            for idx, units in by_sent.items():
                targets = sorted({u.target for u in units})
                first = units[0]
                aliases = [a for u in units for a in u.aliases.split(";")]
                if first.cue and target_speaks(first.sentence, aliases):
                    mode = "speaker"
                elif first.cue:
                    mode = "reported"
                elif len(targets) > 1:
                    mode = "conflict"
                elif targets == ["United States"] and topic[p.doc.id] in DOMESTIC:
                    mode = "domestic"
                elif first.position in ("headline", "lead"):
                    mode = "headline"
                else:
                    mode = "other"
                rows.append({"doc_id": p.doc.id, "sent_idx": idx, "targets": "|".join(targets), "title": p.doc.title,
                             "previous": p.sentences[idx - 1].text if idx > 0 else "", "text": first.sentence,
                             "mode": mode})
    return pd.DataFrame(rows)


def sample(out: Path, n: int = 16000, batch_size: int = 160, seed: int = 2041, prefix: str = "m",
           table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Draw ``n`` sentences by the mode quotas (at most 3 per article), write ``sentences.csv`` and batches.

    Returns the sample; a mode with too few sentences gives its share to ``other``.
    """
    table = sentence_table() if table is None else table
    rng = np.random.default_rng(seed)
    table = table.sample(frac=1, random_state=int(rng.integers(1e9))).groupby("doc_id").head(PER_ARTICLE)
    picked = []
    for mode, share in QUOTAS.items():
        picked.append(table[table["mode"] == mode].head(int(n * share)))
    got = pd.concat(picked)
    rest = table[(table["mode"] == "other") & ~table.index.isin(got.index)].head(n - len(got))
    s = pd.concat([got, rest]).sample(frac=1, random_state=int(rng.integers(1e9))).reset_index(drop=True)
    s.insert(0, "item", [f"{prefix}{i + 1:05d}" for i in range(len(s))])
    out.mkdir(parents=True, exist_ok=True)
    s.to_csv(out / "sentences.csv", index=False)
    write_batches(s, out, -(-len(s) // batch_size))
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=16000, help="sentences to draw (default 16000)")
    ap.add_argument("--batch-size", type=int, default=160, help="sentences per reader batch (default 160)")
    ap.add_argument("--seed", type=int, default=2041)
    args = ap.parse_args(argv)
    s = sample(args.out, args.n, args.batch_size, args.seed)
    cells = s["targets"].str.count(r"\|").sum() + len(s)
    print(f"{len(s)} sentences, {cells} sentence x target cells; {s['mode'].value_counts().to_dict()} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
