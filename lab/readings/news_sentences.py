"""Build in-domain sentence training data: AllSides sentences labelled toward the targets they name.

The sentence model learnt stance from tweets, arguments and entity sentiment in other news; its
errors on AllSides are news-specific (the target as the *speaker* or *actor* read as the object of
criticism, a congressman named Israel read as the country). This draws sentences that name a
target from AllSides articles that are in neither the dev gold nor the silver gold (so both stay
held out), writes them in batches for readers who label each sentence x target under
``lab/data/NEWS_SENTENCES_RULES.md``, and merges the readings into
``lab/data/allsides_sentences.csv`` (``text, target, label``: the columns
``python -m lab train --datasets FILE:N`` reads).

Sampling: at most two sentences per article, stratified by the shipped model's score so the
sentences it is most sure about (where its errors do most harm) are over-represented:
35 % with a target scored below -0.5, 25 % above +0.5, 40 % from the rest.

    python -m lab.readings.news_sentences sample OUT_DIR [--n 2000] [--batches 8] [--results DIR]
    python -m lab.readings.news_sentences merge OUT_DIR [OUT_DIR2 ...] lab/data/allsides_sentences.csv
    python -m lab.readings.news_sentences split lab/data/allsides_sentences.csv DIR  # train.csv, val.csv
    python -m lab.readings.news_sentences reread DIR1 DIR2 DIR/val.csv OUT_DIR  # batches for a second reading
    python -m lab.readings.news_sentences agree lab/data/allsides_sentences.csv \
        lab/data/allsides_sentences_second_reading.csv   # agreement of a second reading
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from lab.evaluation.evaluate import ALLSIDES_GOLD, ALLSIDES_SILVER
from lab.evaluation.metrics import cohen_kappa
from stance.io.texts import restore_texts
from stance.settings import REPO_DIR

RESULTS = REPO_DIR / "results" / "allsides"
LABELS = {"favor", "against", "neutral", "not_target"}
#: not_target (the name is not the country: "Steve Israel", "Beth Israel") trains as "none".
TRAIN_LABEL = {"favor": "favor", "against": "against", "neutral": "none", "not_target": "none"}


def held_out_ids() -> set[str]:
    """Return the doc ids of the dev and silver golds (never sampled)."""
    return set(pd.read_csv(ALLSIDES_GOLD / "gold.csv")["doc_id"]) | set(pd.read_csv(ALLSIDES_SILVER)["doc_id"])


def sample(out: Path, n: int = 2000, batches: int = 8, seed: int = 2027, exclude: list[Path] | None = None,
           prefix: str = "s", results: Path = RESULTS) -> pd.DataFrame:
    """Draw ``n`` sentences and write ``sentences.csv`` and ``batch_K.md`` under ``out``; returns the sample.

    ``exclude`` lists earlier rounds' ``sentences.csv`` files whose sentences are not drawn again;
    ``prefix`` starts the item ids (a new letter per round keeps them unique); ``results`` is the
    labelled AllSides folder whose sentence scores the draw is stratified by.
    """
    sents = pd.read_parquet(results / "sentences.parquet")
    sents = sents[~sents["doc_id"].isin(held_out_ids())]
    for path in exclude or []:
        seen = pd.read_csv(path, usecols=["doc_id", "sent_idx"])
        key = sents["doc_id"] + "#" + sents["sent_idx"].astype(str)
        sents = sents[~key.isin(seen["doc_id"] + "#" + seen["sent_idx"].astype(str))]
    per = sents.groupby(["doc_id", "sent_idx"]).agg(targets=("target", list), lo=("score", "min"),
                                                    hi=("score", "max")).reset_index()
    rng = np.random.default_rng(seed)
    per = per.sample(frac=1, random_state=int(rng.integers(1e9)))
    per = per.groupby("doc_id").head(2)
    strong_neg = per[per["lo"] < -0.5]
    strong_pos = per[(per["hi"] > 0.5) & ~per.index.isin(strong_neg.index)]
    rest = per[~per.index.isin(strong_neg.index) & ~per.index.isin(strong_pos.index)]
    k_neg, k_pos = int(n * 0.35), int(n * 0.25)
    picked = pd.concat([strong_neg.head(k_neg), strong_pos.head(k_pos), rest.head(n - k_neg - k_pos)])
    picked = picked.sample(frac=1, random_state=7).reset_index(drop=True)

    run = json.loads((results / "run.json").read_text())
    texts = restore_texts(pd.read_parquet(results / "texts.parquet"), run["corpus_path"], results)
    sentences = {r.doc_id: json.loads(r.sentences) for r in texts.itertuples()}
    titles = pd.read_parquet(results / "documents.parquet").drop_duplicates("doc_id").set_index("doc_id")["title"]
    rows = []
    for i, r in enumerate(picked.itertuples()):
        doc = sentences[r.doc_id]
        rows.append({"item": f"{prefix}{i + 1:04d}", "doc_id": r.doc_id, "sent_idx": r.sent_idx,
                     "targets": "|".join(sorted(set(r.targets))), "title": titles.get(r.doc_id, ""),
                     "previous": doc[r.sent_idx - 1] if r.sent_idx > 0 else "", "text": doc[r.sent_idx]})
    s = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    s.to_csv(out / "sentences.csv", index=False)
    write_batches(s, out, batches)
    return s


def write_batches(s: pd.DataFrame, out: Path, batches: int) -> None:
    """Write the sampled sentences ``s`` as ``batch_1.md`` .. ``batch_K.md`` under ``out``, for the readers."""
    size = -(-len(s) // batches)
    for b in range(batches):
        with open(out / f"batch_{b + 1}.md", "w", encoding="utf-8") as f:
            for r in s.iloc[b * size:(b + 1) * size].itertuples():
                f.write(f"=== {r.item}  targets: {r.targets.replace('|', ', ')}\nHeadline: {r.title}\n"
                        f"Previous sentence: {r.previous}\nSENTENCE: {r.text}\n\n")


def reread(rounds: list[Path], cells: Path, out: Path, batches: int = 3, seed: int = 3) -> pd.DataFrame:
    """Write batches for a second reading of the sentences behind ``cells`` (e.g. ``val.csv``).

    ``rounds`` are the sampling folders the sentences came from; returns the sentences written.
    """
    items = set(pd.read_csv(cells, keep_default_na=False)["item"])
    s = pd.concat([pd.read_csv(r / "sentences.csv", keep_default_na=False) for r in rounds])
    s = s[s["item"].isin(items)].sample(frac=1, random_state=seed).reset_index(drop=True)
    out.mkdir(parents=True, exist_ok=True)
    write_batches(s, out, batches)
    return s


def read_readings(path: Path) -> pd.DataFrame:
    """Read a readers' ``item, target, label`` CSV with labels lower-cased.

    Raises ``ValueError`` naming the file and the item for an unknown label.
    """
    df = pd.read_csv(path, keep_default_na=False)
    df["label"] = df["label"].str.strip().str.lower()
    bad = df[~df["label"].isin(LABELS)]
    if not bad.empty:
        raise ValueError(f"{path}: unknown label {bad['label'].iloc[0]!r} for item {bad['item'].iloc[0]}")
    return df


def merge(folders: Path | list[Path], dest: Path) -> pd.DataFrame:
    """Join every ``labels_K.csv`` (``item, target, label``) of each round's folder to its sample.

    Writes all rounds to ``dest`` and returns them. Raises ``ValueError`` naming the file for an
    unknown item, target or label, or naming the folder for a sentence x target left unlabelled.
    """
    folders = [folders] if isinstance(folders, Path) else folders
    return _write(pd.concat([_merge_round(f) for f in folders]), dest)


def _merge_round(folder: Path) -> pd.DataFrame:
    s = pd.read_csv(folder / "sentences.csv", keep_default_na=False).set_index("item")
    frames = []
    for path in sorted(folder.glob("labels_*.csv")):
        df = read_readings(path)
        unknown = df[~df["item"].isin(s.index)]
        if not unknown.empty:
            raise ValueError(f"{path}: unknown item {unknown['item'].iloc[0]!r}")
        wrong = [(i, t) for i, t in zip(df["item"], df["target"]) if t not in s.at[i, "targets"].split("|")]
        if wrong:
            raise ValueError(f"{path}: item {wrong[0][0]} does not name target {wrong[0][1]!r}")
        frames.append(df)
    labels = pd.concat(frames).drop_duplicates(["item", "target"], keep="last")
    expected = {(i, t) for i, ts in s["targets"].items() for t in ts.split("|")}
    missing = expected - set(zip(labels["item"], labels["target"]))
    if missing:
        raise ValueError(f"{folder}: {len(missing)} sentence x target cells unlabelled, e.g. {sorted(missing)[0]}")
    out = labels.join(s[["doc_id", "sent_idx", "text"]], on="item")
    return out.assign(reading=out["label"], label=out["label"].map(TRAIN_LABEL))


def _write(out: pd.DataFrame, dest: Path) -> pd.DataFrame:
    cols = ["text", "target", "label", "reading", "doc_id", "sent_idx", "item"]
    out = out.sort_values(["item", "target"])[cols].reset_index(drop=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(dest, index=False)
    return out


def split(data: Path, out: Path, share: float = 0.2, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the readings by article into ``out/train.csv`` and ``out/val.csv``; return (train, val).

    The val articles are a ``share`` of the first round's articles (``s`` items), drawn with
    ``seed``; every reading from a val article, in either round, is val, so no article is on both
    sides. The defaults reproduce the split the README's sentence figures use (720 val cells).
    """
    df = pd.read_csv(data, keep_default_na=False)
    docs = sorted(df.loc[df["item"].str.startswith("s"), "doc_id"].unique())
    np.random.default_rng(seed).shuffle(docs)
    val_docs = set(docs[:int(len(docs) * share)])
    is_val = df["doc_id"].isin(val_docs)
    out.mkdir(parents=True, exist_ok=True)
    df[~is_val].to_csv(out / "train.csv", index=False)
    df[is_val].to_csv(out / "val.csv", index=False)
    return df[~is_val], df[is_val]


def agree(data: Path, second: Path, agreed_out: Path | None = None) -> dict:
    """Compare a second reading (``item, target, label``) with the committed one on the cells both have.

    Returns ``cells``, raw ``agreement`` and ``kappa`` on the four reading labels and on the three
    training labels, and the confusion table (rows: first reading). With ``agreed_out`` writes the
    cells both readings give the same training label (a cleaner held-out set).
    """
    first = pd.read_csv(data, keep_default_na=False)
    other = read_readings(second)
    both = first.merge(other.rename(columns={"label": "second"}), on=["item", "target"])
    if both.empty:
        raise ValueError(f"{second}: no cell in common with {data}")
    train_2 = both["second"].map(TRAIN_LABEL)
    if agreed_out is not None:
        both[both["label"] == train_2][first.columns].to_csv(agreed_out, index=False)
    return {"cells": len(both),
            "agreement": float((both["reading"] == both["second"]).mean()),
            "kappa": cohen_kappa(both["reading"], both["second"]),
            "agreement_train": float((both["label"] == train_2).mean()),
            "kappa_train": cohen_kappa(both["label"], train_2),
            "confusion": pd.crosstab(both["reading"], both["second"], rownames=["first"], colnames=["second"])}


def main(argv: list[str] | None = None) -> int:
    """Command line: ``sample OUT_DIR`` or ``merge OUT_DIR DEST``; returns the exit code."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("sample")
    a.add_argument("out", type=Path)
    a.add_argument("--n", type=int, default=2000)
    a.add_argument("--batches", type=int, default=8)
    a.add_argument("--seed", type=int, default=2027)
    a.add_argument("--exclude", type=Path, nargs="*", default=None, help="earlier rounds' sentences.csv")
    a.add_argument("--prefix", default="s", help="item id prefix (one letter per round)")
    a.add_argument("--results", type=Path, default=RESULTS, help="labelled AllSides results folder to draw from")
    m = sub.add_parser("merge")
    m.add_argument("folders", type=Path, nargs="+", help="one folder per round, then the destination file")
    sp = sub.add_parser("split")
    sp.add_argument("data", type=Path)
    sp.add_argument("out", type=Path)
    rr = sub.add_parser("reread")
    rr.add_argument("paths", type=Path, nargs="+", help="the rounds' folders, then the cells file, then OUT_DIR")
    rr.add_argument("--batches", type=int, default=3)
    ag = sub.add_parser("agree")
    ag.add_argument("data", type=Path)
    ag.add_argument("second", type=Path)
    ag.add_argument("--agreed-out", type=Path, default=None)
    args = p.parse_args(argv)
    if args.cmd == "sample":
        s = sample(args.out, args.n, args.batches, args.seed, args.exclude, args.prefix, args.results)
        print(f"{len(s)} sentences, {s['targets'].str.count('[|]').add(1).sum()} sentence x target cells -> {args.out}")
    elif args.cmd == "reread":
        *rounds, cells, out_dir = args.paths
        s = reread(rounds, cells, out_dir, args.batches)
        print(f"{len(s)} sentences in {args.batches} batches -> {out_dir}")
    elif args.cmd == "agree":
        r = agree(args.data, args.second, args.agreed_out)
        print(f"{r['cells']} cells read twice: agreement {r['agreement']:.3f}, Cohen's kappa {r['kappa']:.3f} "
              f"(favor/against/none: {r['agreement_train']:.3f}, kappa {r['kappa_train']:.3f})")
        print(r["confusion"].to_string())
    elif args.cmd == "split":
        train, val = split(args.data, args.out)
        print(f"train {len(train)} cells ({train['doc_id'].nunique()} articles), "
              f"val {len(val)} cells ({val['doc_id'].nunique()} articles) -> {args.out}")
    else:
        *folders, dest = args.folders
        out = merge(folders, dest)
        print(f"{len(out)} cells -> {dest}")
        print(out["reading"].value_counts().to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
