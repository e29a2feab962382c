"""Build the AllSides silver gold: sample articles for two readers, then merge their readings.

The dev gold (``../shared/datasets/allsides_dev_gold``, 39 articles) is small; this draws 60 more
AllSides articles the same way (20 per outlet rating, 11 of them from foreign-policy topics and 9
from others, 1,500-6,500 characters, none of the dev articles), writes them in four batches of 15
for readers who label each article x target under the dev gold's RULES.md, and merges two readings
per batch into ``tests/data/allsides_silver_gold.csv`` (the dev gold's columns: an agreed label, or
"a|b" where the readings differ). See ``tests/data/ALLSIDES_SILVER.md`` for how it was read.

    python benchmarks/silver_gold.py sample OUT_DIR        # articles.csv + batch_1..4.md
    python benchmarks/silver_gold.py merge OUT_DIR tests/data/allsides_silver_gold.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stance.corpus import load_corpus  # noqa: E402
from stance.evaluate import ALLSIDES_GOLD  # noqa: E402
from stance.settings import DOC_LABELS, REPO_DIR  # noqa: E402

FOREIGN = {"middle_east", "foreign_policy", "national_security", "world", "terrorism", "national_defense",
           "us_military"}
TARGETS = ["Iran", "United States", "Israel"]


def sample(out: Path, seed: int = 2026, per_rating: tuple[int, int] = (11, 9), batches: int = 4) -> pd.DataFrame:
    """Draw the articles and write ``articles.csv`` and ``batch_K.md`` under ``out``; returns the sample."""
    corpus = load_corpus(REPO_DIR / "corpus" / "allsides")
    dev = set(pd.read_csv(ALLSIDES_GOLD / "gold.csv")["doc_id"])
    df = pd.DataFrame([{"id": d.id, "source": d.source, "rating": d.extra.get("rating", ""),
                        "topic": d.extra.get("topic", ""), "date": d.date, "title": d.title, "text": d.text}
                       for d in corpus.documents if d.id not in dev and 1500 <= len(d.text) <= 6500])
    rng = np.random.default_rng(seed)
    picked = []
    for rating in ["left", "center", "right"]:
        sub = df[df["rating"] == rating]
        foreign = sub["topic"].isin(FOREIGN)
        picked += list(sub[foreign].sample(per_rating[0], random_state=int(rng.integers(1e9))).index)
        picked += list(sub[~foreign].sample(per_rating[1], random_state=int(rng.integers(1e9))).index)
    s = df.loc[picked].sample(frac=1, random_state=7).reset_index(drop=True)
    out.mkdir(parents=True, exist_ok=True)
    s[["id", "source", "rating", "topic", "date", "title"]].to_csv(out / "articles.csv", index=False)
    size = len(s) // batches
    for b in range(batches):
        with open(out / f"batch_{b + 1}.md", "w", encoding="utf-8") as f:
            for r in s.iloc[b * size:(b + 1) * size].itertuples():
                f.write(f"=== ARTICLE {r.id}\nSource: {r.source}\nDate: {r.date}\nTitle: {r.title}\n\n{r.text}\n\n")
    return s


def merge(folder: Path, dest: Path, batches: int = 4) -> pd.DataFrame:
    """Merge ``reading_K_A.csv`` and ``reading_K_B.csv`` of every batch into the gold file ``dest``."""
    articles = pd.read_csv(folder / "articles.csv")
    parts = []
    for b in range(1, batches + 1):
        a = pd.read_csv(folder / f"reading_{b}_A.csv", keep_default_na=False)
        c = pd.read_csv(folder / f"reading_{b}_B.csv", keep_default_na=False)
        parts.append(a.merge(c, on=["doc_id", "target"], suffixes=("_1", "_2"), validate="one_to_one"))
    m = pd.concat(parts, ignore_index=True)
    if set(m["doc_id"]) != set(articles["id"]) or len(m) != 3 * len(articles):
        raise ValueError(f"{folder}: the readings do not cover every article x target of articles.csv")
    bad = (set(m["label_1"]) | set(m["label_2"])) - set(DOC_LABELS)
    if bad or set(m["target"]) != set(TARGETS):
        raise ValueError(f"{folder}: unknown labels {sorted(bad)} or targets {sorted(set(m['target']))}")
    agreed = m["label_1"] == m["label_2"]
    gold = pd.DataFrame({
        "doc_id": m["doc_id"], "target": m["target"],
        "gold": [a if a == b else f"{a}|{b}" for a, b in zip(m["label_1"], m["label_2"])],
        "agreed": agreed,
        "confidence": np.where(agreed & (m["confidence_1"] == "high") & (m["confidence_2"] == "high"), "high", "low"),
        "evidence_reader1": m["evidence_1"], "evidence_reader2": m["evidence_2"]})
    order = {i: k for k, i in enumerate(articles["id"])}
    gold = gold.sort_values(["doc_id", "target"], key=lambda s: s.map(order) if s.name == "doc_id" else s)
    gold.to_csv(dest, index=False)
    return gold


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("sample").add_argument("out", type=Path)
    mp = sub.add_parser("merge")
    mp.add_argument("folder", type=Path)
    mp.add_argument("dest", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "sample":
        s = sample(args.out)
        print(f"{len(s)} articles: {s['rating'].value_counts().to_dict()} -> {args.out}")
    else:
        g = merge(args.folder, args.dest)
        print(f"{len(g)} cells, readings agree on {int(g['agreed'].sum())}; {g['gold'].value_counts().to_dict()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
