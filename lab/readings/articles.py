"""Document readings at scale over both shipped AllSides corpora: the test set and the training batches.

Readers (helper agents working alone, each on one batch, with the dev gold's ``RULES.md`` verbatim)
label every article x target (Iran, United States, Israel) as favor / against / neutral /
not_mentioned with a confidence and a verbatim evidence quote. This module draws what they read and
merges what they wrote; it never reads a model or a system label.

    python -m lab.readings.articles sample-test DIR     # 180 articles, 6 batches, read twice (A, B)
    python -m lab.readings.articles sample-train DIR    # every other article, batches of 25, read once
    python -m lab.readings.articles merge-test DIR lab/data/readings/test_gold.csv
    python -m lab.readings.articles merge-train DIR lab/data/readings/train_documents.csv

Both draws are seeded and exclude every article read before (dev gold, silver gold, the 480
training articles), so a rerun writes the same batches byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from lab.evaluation.metrics import cohen_kappa

REPO = Path(__file__).resolve().parents[2]
CORPORA = {"allsides": REPO / "corpus" / "allsides", "us_world": REPO / "corpus" / "us_world"}
TARGETS = ("Iran", "United States", "Israel")
LABELS = ("favor", "against", "neutral", "not_mentioned")
#: Every file listing articles already read as whole documents (a ``doc_id`` or ``id`` column); none
#: is drawn again. The sentence readings touched two sentences of most AllSides articles; their
#: articles stay drawable (else the test set would be a skewed remainder), and the sentence rows of
#: test articles are dropped from training instead (``lab.readings.articles.test_ids``).
READ_BEFORE = (
    REPO / "lab" / "data" / "golds" / "allsides_silver_gold.csv",
    REPO / "lab" / "data" / "allsides_documents.csv",
    REPO / "lab" / "data" / "allsides_dev_third_reading.csv",
)
TEST_MAX_CHARS = 15_000
TRAIN_MAX_CHARS = 16_000


def load_articles() -> pd.DataFrame:
    """Return every article of the shipped AllSides corpora (``corpus`` column names which)."""
    rows = []
    for name, folder in CORPORA.items():
        with gzip.open(folder / "documents.jsonl.gz", "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                rows.append({"corpus": name, "id": d["id"], "source": d.get("source", ""),
                             "rating": d.get("rating", ""), "topic": d.get("topic", ""),
                             "date": d.get("date") or "", "title": d.get("title", ""), "text": d["text"]})
    return pd.DataFrame(rows)


def already_read(extra: tuple[Path, ...] = ()) -> set[str]:
    """Return the ids of articles read before (the files of READ_BEFORE and ``extra``)."""
    ids: set[str] = set()
    for path in (*READ_BEFORE, *extra):
        if path.exists():
            t = pd.read_csv(path, usecols=lambda c: c in ("doc_id", "id"))
            ids |= set(t["doc_id"] if "doc_id" in t else t["id"])
    dev = REPO.parent / "shared" / "datasets" / "allsides_dev_gold" / "gold.csv"
    if dev.exists():
        ids |= set(pd.read_csv(dev)["doc_id"])
    return ids


def write_batches(s: pd.DataFrame, out: Path, size: int) -> int:
    """Write ``articles.csv`` (with a ``batch`` column) and ``batch_NNN.md`` under ``out``; returns the batch count."""
    out.mkdir(parents=True, exist_ok=True)
    s = s.reset_index(drop=True).copy()
    s["batch"] = s.index // size + 1
    s[["batch", "corpus", "id", "source", "rating", "topic", "date", "title"]].to_csv(out / "articles.csv", index=False)
    for b, part in s.groupby("batch"):
        with open(out / f"batch_{b:03d}.md", "w", encoding="utf-8") as f:
            for r in part.itertuples():
                f.write(f"=== ARTICLE {r.id}\nSource: {r.source}\nDate: {r.date}\nTitle: {r.title}\n\n{r.text}\n\n")
    return int(s["batch"].max())


def sample_test(out: Path, seed: int = 4040, per_stratum: int = 30, size: int = 30) -> pd.DataFrame:
    """Draw the test set: ``per_stratum`` articles per corpus x outlet rating (at most 15,000 characters).

    Returns the sample (shuffled) and writes its batches of ``size`` articles.
    """
    df = load_articles()
    df = df[~df["id"].isin(already_read()) & (df["text"].str.len() <= TEST_MAX_CHARS)]
    rng = np.random.default_rng(seed)
    parts = [df[(df["corpus"] == c) & (df["rating"] == r)].sample(per_stratum, random_state=int(rng.integers(1e9)))
             for c in CORPORA for r in ("left", "center", "right")]
    s = pd.concat(parts).sample(frac=1, random_state=int(rng.integers(1e9)))
    write_batches(s, out, size)
    return s


def sample_train(out: Path, test: Path, seed: int = 5050, size: int = 25) -> pd.DataFrame:
    """Draw the training order: every article not read before and not in ``test`` (its articles.csv).

    Articles up to 16,000 characters, in a seeded random order, so any prefix of the batches is a
    random sample of both corpora. Returns the sample and writes its batches of ``size`` articles.
    """
    df = load_articles()
    df = df[~df["id"].isin(already_read((test,))) & (df["text"].str.len() <= TRAIN_MAX_CHARS)]
    s = df.sample(frac=1, random_state=seed)
    write_batches(s, out, size)
    return s


def read_reading(path: Path, ids: list[str]) -> pd.DataFrame:
    """Read one reader's CSV for the articles ``ids``; returns ``doc_id, target, label, confidence, evidence``.

    Raises ValueError naming the file when a cell is missing, repeated or unknown, or a label is not one of LABELS.
    """
    with open(path, encoding="utf-8", newline="") as f:
        m = pd.DataFrame(list(csv.DictReader(f)))
    need = {"doc_id", "target", "label", "confidence", "evidence"}
    if not need <= set(m.columns):
        raise ValueError(f"{path}: columns {sorted(m.columns)}; need {sorted(need)}")
    keys = list(zip(m["doc_id"], m["target"]))
    want = {(d, t) for d in ids for t in TARGETS}
    if set(keys) != want or len(keys) != len(want):
        raise ValueError(f"{path}: covers {len(set(keys) & want)} of {len(want)} cells "
                         f"({len(keys) - len(set(keys))} repeated, {len(set(keys) - want)} unknown)")
    bad = set(m["label"]) - set(LABELS)
    if bad:
        raise ValueError(f"{path}: unknown labels {sorted(bad)}")
    return m[sorted(need, key=["doc_id", "target", "label", "confidence", "evidence"].index)]


def read_folder(folder: Path, reader: str) -> pd.DataFrame:
    """Read reader ``reader``'s CSV of every batch of a sample folder, in ``articles.csv`` order.

    Returns the cells with a ``batch`` column; raises ValueError (naming the file) on a missing
    file or a bad reading (see :func:`read_reading`).
    """
    articles = pd.read_csv(folder / "articles.csv", keep_default_na=False)
    parts = []
    for b, part in articles.groupby("batch", sort=True):
        path = folder / f"reading_{b:03d}_{reader}.csv"
        if not path.exists():
            raise ValueError(f"{path}: missing (batch {b} not read by reader {reader})")
        parts.append(read_reading(path, list(part["id"])).assign(batch=b))
    cells = pd.concat(parts, ignore_index=True)
    order = {i: k for k, i in enumerate(articles["id"])}
    cells = cells.assign(_o=cells["doc_id"].map(order), _t=cells["target"].map(TARGETS.index))
    return cells.sort_values(["_o", "_t"]).drop(columns=["_o", "_t"]).reset_index(drop=True)


def merge_test(folder: Path, dest: Path) -> pd.DataFrame:
    """Merge readings A and B of the test sample into the test gold ``dest``.

    Columns: ``corpus, doc_id, target, gold`` (the agreed label, or ``a|b`` where the readings
    differ: a split cell, right for either label), ``agreed, confidence, evidence_reader1,
    evidence_reader2``. Returns the gold table.
    """
    a, b = read_folder(folder, "A"), read_folder(folder, "B")
    m = a.merge(b, on=["doc_id", "target"], suffixes=("_1", "_2"), validate="one_to_one")
    corpus = pd.read_csv(folder / "articles.csv", keep_default_na=False).set_index("id")["corpus"]
    agreed = m["label_1"] == m["label_2"]
    gold = pd.DataFrame({
        "corpus": m["doc_id"].map(corpus), "doc_id": m["doc_id"], "target": m["target"],
        "gold": [x if x == y else f"{x}|{y}" for x, y in zip(m["label_1"], m["label_2"])],
        "agreed": agreed,
        "confidence": np.where(agreed & (m["confidence_1"] == "high") & (m["confidence_2"] == "high"), "high", "low"),
        "evidence_reader1": m["evidence_1"], "evidence_reader2": m["evidence_2"]})
    write_csv(gold, dest)
    return gold


def merge_train(folder: Path, dest: Path) -> pd.DataFrame:
    """Concatenate reading A of every batch of ``folder`` that has one into the training file ``dest``.

    Batches are read in order and the first unread or unfinished batch ends the file (named on
    stderr), so the file is always a prefix of the seeded order (a random sample of both corpora). Columns: ``corpus, batch,
    doc_id, target, label, confidence, evidence``. Returns the cells.
    """
    articles = pd.read_csv(folder / "articles.csv", keep_default_na=False)
    corpus = articles.set_index("id")["corpus"]
    parts = []
    for b, part in articles.groupby("batch", sort=True):
        path = folder / f"reading_{b:03d}_A.csv"
        if not path.exists():
            break
        try:
            parts.append(read_reading(path, list(part["id"])).assign(batch=b))
        except ValueError as exc:
            # a reader saves as it goes: a batch still being read ends the prefix, and says so
            print(f"stopped before batch {b}: {exc}", file=sys.stderr)
            break
    cells = pd.concat(parts, ignore_index=True)
    cells.insert(0, "corpus", cells["doc_id"].map(corpus))
    cells = cells[["corpus", "batch", "doc_id", "target", "label", "confidence", "evidence"]]
    write_csv(cells, dest)
    return cells


def write_csv(table: pd.DataFrame, dest: Path) -> None:
    """Write ``table`` to ``dest`` atomically (a temporary file beside it, then a rename)."""
    tmp = dest.with_name(dest.name + ".tmp")
    table.to_csv(tmp, index=False)
    tmp.replace(dest)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("sample-test").add_argument("out", type=Path)
    tp = sub.add_parser("sample-train")
    tp.add_argument("out", type=Path)
    tp.add_argument("--test", type=Path, required=True, help="the test sample's articles.csv (never drawn)")
    for name in ("merge-test", "merge-train"):
        mp = sub.add_parser(name)
        mp.add_argument("folder", type=Path)
        mp.add_argument("dest", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "merge-test":
        g = merge_test(args.folder, args.dest)
        k = cohen_kappa([x.split("|")[0] for x in g["gold"]], [x.split("|")[-1] for x in g["gold"]])
        print(f"{len(g)} cells, readings agree on {int(g['agreed'].sum())} ({g['agreed'].mean():.3f}), kappa {k:.3f}; "
              f"{g['gold'].value_counts().to_dict()} -> {args.dest}")
        return 0
    if args.cmd == "merge-train":
        m = merge_train(args.folder, args.dest)
        print(f"{len(m)} cells in {m['batch'].nunique()} batches; {m['label'].value_counts().to_dict()} -> {args.dest}")
        return 0
    if args.cmd == "sample-test":
        s = sample_test(args.out)
    else:
        s = sample_train(args.out, args.test)
    print(f"{len(s)} articles: {s.groupby(['corpus', 'rating']).size().to_dict()} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
