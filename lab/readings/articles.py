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

REPO = Path(__file__).resolve().parents[2]
CORPORA = {"allsides": REPO / "corpus" / "allsides", "us_world": REPO / "corpus" / "us_world"}
TARGETS = ("Iran", "United States", "Israel")
LABELS = ("favor", "against", "neutral", "not_mentioned")
#: Every file listing articles already read as whole documents (a ``doc_id`` or ``id`` column); none
#: is drawn again. The sentence readings touched two sentences of most AllSides articles; their
#: articles stay drawable (else the test set would be a skewed remainder), and the sentence rows of
#: test articles are dropped from training instead (``lab.readings.articles.test_ids``).
READ_BEFORE = (
    REPO / "tests" / "data" / "allsides_silver_gold.csv",
    REPO / "benchmarks" / "data" / "allsides_documents.csv",
    REPO / "benchmarks" / "data" / "allsides_dev_third_reading.csv",
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("sample-test").add_argument("out", type=Path)
    tp = sub.add_parser("sample-train")
    tp.add_argument("out", type=Path)
    tp.add_argument("--test", type=Path, required=True, help="the test sample's articles.csv (never drawn)")
    args = ap.parse_args(argv)
    if args.cmd == "sample-test":
        s = sample_test(args.out)
    else:
        s = sample_train(args.out, args.test)
    print(f"{len(s)} articles: {s.groupby(['corpus', 'rating']).size().to_dict()} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
