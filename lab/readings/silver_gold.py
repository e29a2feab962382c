"""Build the AllSides silver gold: sample articles for two readers, then merge their readings.

The dev gold (``../shared/datasets/allsides_dev_gold``, 39 articles) is small; this draws 60 more
AllSides articles the same way (20 per outlet rating, 11 of them from foreign-policy topics and 9
from others, 1,500-6,500 characters, none of the dev articles), writes them in four batches of 15
for readers who label each article x target under the dev gold's RULES.md, and merges two readings
per batch into ``lab/data/golds/allsides_silver_gold.csv`` (the dev gold's columns: an agreed label, or
"a|b" where the readings differ). See ``lab/data/golds/ALLSIDES_SILVER.md`` for how it was read.

    python -m lab.readings.silver_gold sample OUT_DIR        # articles.csv + batch_1..4.md
    python -m lab.readings.silver_gold merge OUT_DIR lab/data/golds/allsides_silver_gold.csv

It also builds the training readings (``lab/data/allsides_documents.csv``, one reading per
batch; see ``lab/data/ALLSIDES_DOCUMENTS.md``) and uses them:

    python -m lab.readings.silver_gold sample DIR --seed 2031 --per-rating 44 36 --batches 8 --exclude GOLD.csv ...
    python -m lab.readings.silver_gold merge-single DEST.csv DIR1 DIR2      # one reading per batch
    python -m lab.readings.silver_gold score-reading READING.csv [--gold allsides-dev]
    python -m lab.readings.silver_gold distant SENTENCES.csv                # sentences labelled by their document
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from lab.evaluation.evaluate import ALLSIDES_GOLD
from stance.io.corpus import load_corpus
from stance.settings import DOC_LABELS, REPO_DIR

FOREIGN = {"middle_east", "foreign_policy", "national_security", "world", "terrorism", "national_defense",
           "us_military"}
TARGETS = ["Iran", "United States", "Israel"]


def sample(out: Path, seed: int = 2026, per_rating: tuple[int, int] = (11, 9), batches: int = 4,
           exclude: tuple[Path, ...] = ()) -> pd.DataFrame:
    """Draw the articles and write ``articles.csv`` and ``batch_K.md`` under ``out``; returns the sample.

    ``per_rating`` is (foreign-policy, other) articles per outlet rating; articles of the dev gold and
    of every file in ``exclude`` (a gold CSV with ``doc_id``, or an earlier sample's ``articles.csv``
    with ``id``) are never drawn.
    """
    corpus = load_corpus(REPO_DIR / "corpus" / "allsides")
    dev = set(pd.read_csv(ALLSIDES_GOLD / "gold.csv")["doc_id"])
    for path in exclude:
        table = pd.read_csv(path)
        dev |= set(table["doc_id"] if "doc_id" in table else table["id"])
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


def read_reading(folder: Path, batches: int, reader: str = "A") -> pd.DataFrame:
    """Read one reader's ``reading_K_<reader>.csv`` of every batch of a sample folder.

    Returns the cells (``doc_id, target, label, confidence, evidence``) in ``articles.csv`` order.
    Raises ValueError when the reading misses an article x target, repeats one, or uses an unknown
    label.
    """
    articles = pd.read_csv(folder / "articles.csv")
    m = pd.concat([pd.read_csv(folder / f"reading_{b}_{reader}.csv", keep_default_na=False)
                   for b in range(1, batches + 1)], ignore_index=True)
    keys = set(zip(m["doc_id"], m["target"]))
    want = {(d, t) for d in articles["id"] for t in TARGETS}
    if keys != want or len(m) != len(want):
        raise ValueError(f"{folder}: reading {reader} covers {len(keys & want)} of {len(want)} article x target "
                         f"cells ({len(m) - len(keys)} repeated, {len(keys - want)} unknown)")
    bad = set(m["label"]) - set(DOC_LABELS)
    if bad:
        raise ValueError(f"{folder}: reading {reader} has unknown labels {sorted(bad)}")
    order = {i: k for k, i in enumerate(articles["id"])}
    m = m.sort_values(["doc_id", "target"], key=lambda s: s.map(order) if s.name == "doc_id" else s)
    return m[["doc_id", "target", "label", "confidence", "evidence"]].reset_index(drop=True)


def merge(folder: Path, dest: Path, batches: int = 4) -> pd.DataFrame:
    """Merge readings A and B of every batch into the gold file ``dest`` (see the module docstring)."""
    m = read_reading(folder, batches, "A").merge(read_reading(folder, batches, "B"), on=["doc_id", "target"],
                                                 suffixes=("_1", "_2"), validate="one_to_one")
    agreed = m["label_1"] == m["label_2"]
    gold = pd.DataFrame({
        "doc_id": m["doc_id"], "target": m["target"],
        "gold": [a if a == b else f"{a}|{b}" for a, b in zip(m["label_1"], m["label_2"])],
        "agreed": agreed,
        "confidence": np.where(agreed & (m["confidence_1"] == "high") & (m["confidence_2"] == "high"), "high", "low"),
        "evidence_reader1": m["evidence_1"], "evidence_reader2": m["evidence_2"]})
    gold.to_csv(dest, index=False)
    return gold


def merge_single(folders: list[Path], dest: Path, batches: int) -> pd.DataFrame:
    """Concatenate one reading (A) of each sample folder, in order, into the training file ``dest``.

    Returns the cells written (see :func:`read_reading`, which checks each folder).
    """
    cells = pd.concat([read_reading(f, batches) for f in folders], ignore_index=True)
    cells.to_csv(dest, index=False)
    return cells


def distant(dest: Path, gold_set: str = "allsides-train") -> pd.DataFrame:
    """Write sentence training rows labelled by their document's reading (distant supervision).

    Every sentence the engine scores for a document x target takes that cell's label (favor,
    against; neutral and not_mentioned become none): with the engine's mean over sentences, pushing
    each sentence toward its document's label is what moves the document score. Takes the file to
    write and the document gold to read; returns the rows (``text, target, label, doc_id``).
    """
    from lab.evaluation.golds import load_document_gold
    from stance.engines.local import label_corpus
    from stance.settings import load_settings

    gold, corpus = load_document_gold(gold_set)
    sent = label_corpus(corpus, load_settings()).sentences
    m = sent.merge(gold[["doc_id", "target", "gold"]], on=["doc_id", "target"], validate="many_to_one")
    label = m["gold"].map(lambda g: g if g in ("favor", "against") else "none")
    rows = pd.DataFrame({"text": m["sentence"], "target": m["target"], "label": label, "doc_id": m["doc_id"]})
    rows.to_csv(dest, index=False)
    return rows


def score_reading(path: Path, gold_set: str = "allsides-dev"):
    """Score a reading file (``doc_id, target, label``) against a document gold as if it were a system.

    Returns the :class:`lab.evaluation.metrics.Report` over the gold's cells the reading covers.
    """
    from lab.evaluation.golds import load_document_gold
    from lab.evaluation.metrics import evaluate_labels

    gold = load_document_gold(gold_set)[0]
    m = gold.merge(pd.read_csv(path, keep_default_na=False), on=["doc_id", "target"], validate="one_to_one")
    return evaluate_labels(m["gold"].tolist(), m["label"].tolist(), list(DOC_LABELS))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("sample")
    sp.add_argument("out", type=Path)
    sp.add_argument("--seed", type=int, default=2026)
    sp.add_argument("--per-rating", type=int, nargs=2, default=(11, 9), metavar=("FOREIGN", "OTHER"))
    sp.add_argument("--batches", type=int, default=4)
    sp.add_argument("--exclude", type=Path, nargs="*", default=(),
                    help="gold CSVs (doc_id) or earlier samples' articles.csv (id) whose articles are not drawn")
    mp = sub.add_parser("merge")
    mp.add_argument("folder", type=Path)
    mp.add_argument("dest", type=Path)
    ms = sub.add_parser("merge-single", help="one reading per batch of each sample folder -> a training file")
    ms.add_argument("dest", type=Path)
    ms.add_argument("folders", type=Path, nargs="+")
    ms.add_argument("--batches", type=int, default=8)
    dp = sub.add_parser("distant", help="sentence rows labelled by their document's reading -> a training file")
    dp.add_argument("dest", type=Path)
    dp.add_argument("--gold", default="allsides-train")
    rp = sub.add_parser("score-reading", help="a reading scored against a document gold, as a system would be")
    rp.add_argument("reading", type=Path)
    rp.add_argument("--gold", default="allsides-dev")
    args = ap.parse_args(argv)
    if args.cmd == "score-reading":
        print(score_reading(args.reading, args.gold).summary())
        return 0
    if args.cmd == "distant":
        rows = distant(args.dest, args.gold)
        print(f"{len(rows)} sentence rows; {rows['label'].value_counts().to_dict()} -> {args.dest}")
        return 0
    if args.cmd == "sample":
        s = sample(args.out, args.seed, tuple(args.per_rating), args.batches, tuple(args.exclude))
        print(f"{len(s)} articles: {s['rating'].value_counts().to_dict()} -> {args.out}")
    elif args.cmd == "merge-single":
        m = merge_single(args.folders, args.dest, args.batches)
        print(f"{len(m)} cells; {m['label'].value_counts().to_dict()} -> {args.dest}")
    else:
        g = merge(args.folder, args.dest)
        print(f"{len(g)} cells, readings agree on {int(g['agreed'].sum())}; {g['gold'].value_counts().to_dict()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
