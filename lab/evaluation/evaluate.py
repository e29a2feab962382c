"""``python -m lab eval``: score labelled data and print how good the labels are.

Two kinds of gold:

* **sentence level** — a stance dataset (``vast``, ``semeval2016_task6``, ... from
  ``../shared/datasets/stance_train``, val/dev split by default) or any CSV/JSONL with
  ``text, target, label``. Each text is scored against the three hypotheses exactly as the
  engine scores a sentence; the argmax is the prediction (``neutral`` → ``none``).
* **document level** — the AllSides dev gold (``allsides-dev``) or the seed gold
  (``seeds``): the documents go through the same ``label_corpus`` code path users run, and
  each document × target label is compared with the readers' label. Wrong cells are listed
  with the evidence sentences the system used next to the readers' evidence quotes.

Both print accuracy, per-label F1, macro-F1, F_avg (mean F1 of favor and against) and the
confusion matrix, and write per-example predictions with ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from lab.evaluation.golds import GOLD_SETS, is_document_gold, load_document_gold
from lab.evaluation.metrics import Report, evaluate_labels, reliability
from stance.engines.local import Results, label_corpus
from stance.scoring.scorer import Scorer
from stance.settings import DOC_LABELS, REPO_DIR, STANCES, Settings

SENTENCE_LABELS = ["favor", "against", "none"]
ALLSIDES_GOLD = GOLD_SETS["allsides-dev"].csv.parent
ALLSIDES_SILVER = GOLD_SETS["allsides-silver"].csv
ALLSIDES_TRAIN = GOLD_SETS["allsides-train"].csv
SEED_GOLD = GOLD_SETS["seeds"].csv
SEED_SENTENCES = REPO_DIR / "lab" / "data" / "golds" / "seed_gold_sentences.csv"


def predict_sentences(df: pd.DataFrame, scorer: Scorer, progress: bool = False) -> pd.DataFrame:
    """Score each (text, target) row; returns ``df`` plus p_favor/p_against/p_neutral and ``pred``."""
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(df), unit="ex", desc="eval", leave=False)
    probs = scorer.score(df["text"].astype(str).tolist(), df["target"].astype(str).tolist(),
                         progress=(lambda n: bar.update(n)) if bar else None)
    if bar:
        bar.close()
    out = df.copy()
    out["p_favor"], out["p_against"], out["p_neutral"] = probs[:, 0], probs[:, 1], probs[:, 2]
    out["pred"] = np.array(["favor", "against", "none"])[probs.argmax(axis=1)]
    return out


def evaluate_sentences(df: pd.DataFrame, scorer: Scorer, progress: bool = False) -> tuple[Report, pd.DataFrame]:
    """Evaluate sentence-level stance; returns the report and the per-example predictions."""
    preds = predict_sentences(df, scorer, progress)
    return evaluate_labels(preds["label"].tolist(), preds["pred"].tolist(), SENTENCE_LABELS), preds


def compare_documents(gold: pd.DataFrame, documents: pd.DataFrame) -> tuple[Report, pd.DataFrame]:
    """Join system document labels to gold; returns the report and the joined cell table."""
    # gold files carry their own columns (e.g. the readers' "confidence"): those take the
    # suffix, so the system's columns keep the names they have everywhere else
    cells = gold.merge(documents, on=["doc_id", "target"], how="left", suffixes=("_gold", ""))
    cells["label"] = cells["label"].fillna("not_mentioned")
    cells["correct"] = [p in str(g).split("|") for g, p in zip(cells["gold"], cells["label"])]
    return evaluate_labels(cells["gold"].tolist(), cells["label"].tolist(), list(DOC_LABELS)), cells


def evaluate_documents(name_or_path: str, settings: Settings, scorer: Scorer | None = None,
                       progress: bool = False) -> tuple[Report, pd.DataFrame, Results]:
    """Label a document gold set through ``label_corpus`` and compare with the readers.

    Returns (report, cell table with gold, system label, score and evidence, full results).
    """
    gold, corpus = load_document_gold(name_or_path)
    results = label_corpus(corpus, settings, scorer=scorer, progress=progress)
    report, cells = compare_documents(gold, results.documents)
    return report, cells, results


def format_wrong_cells(cells: pd.DataFrame, limit: int = 20) -> str:
    """Render wrong cells: gold vs system label, the system's evidence and the readers' quotes."""
    lines = []
    wrong = cells[~cells["correct"]]
    for r in wrong.head(limit).itertuples():
        ev = json.loads(r.evidence_favor or "[]") + json.loads(r.evidence_against or "[]")
        ev = sorted(ev, key=lambda e: -abs(e["score"]))[:2]
        score = "" if pd.isna(r.score) else f" score {r.score:+.2f} over {int(r.n_sentences)} sentences"
        lines.append(f"- {r.doc_id} / {r.target}: gold {r.gold}, system {r.label}{score}")
        for e in ev:
            raw = f", model {e['raw_score']:+.2f}" if e.get("raw_score") is not None else ""
            lines.append(f"    system: ({e['score']:+.2f}{raw}{', attributed' if e.get('attributed') else ''}) "
                         f"{e['text'][:160]}")
        if getattr(r, "evidence", ""):
            lines.append(f"    readers: {str(r.evidence)[:240]}")
    if len(wrong) > limit:
        lines.append(f"... and {len(wrong) - limit} more (see --out)")
    return "\n".join(lines)


def _sentence_frame(name: str, split: str, limit: int, seed: int) -> pd.DataFrame:
    from lab.training import datasets

    path = Path(name)
    if name == "seeds-sentences":
        df = pd.read_csv(SEED_SENTENCES, keep_default_na=False)
    elif path.is_file():
        df = datasets.load_labelled_file(path)
    elif name in datasets.available_stance_datasets():
        df = datasets.load_stance_dataset(name, split)
    else:
        raise FileNotFoundError(
            f"{name}: not a file, a document gold set ({', '.join(GOLD_SETS)}) or a dataset "
            f"({', '.join(['seeds-sentences', *datasets.available_stance_datasets()])})")
    if limit and len(df) > limit:
        df = df.sample(n=limit, random_state=seed).reset_index(drop=True)
    return df


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``eval`` subcommand."""
    from stance.cli.flags import add_settings_flags

    p = sub.add_parser(
        "eval", help="evaluate labels against gold (document gold sets, stance datasets, seed gold)",
        description=f"Evaluate stance labels. DATASET: a document gold set ({', '.join(GOLD_SETS)}; "
                    "document level, through the label pipeline; 'a+b' pools sets); "
                    "seeds-sentences, a shared stance dataset name "
                    "(vast, semeval2016_task6, pstance, "
                    "covid19_stance, wtwt, ibm_argq_30k_stance, newsmtsc, directed_sentiment_news) or a CSV/JSONL "
                    "with text,target,label (sentence level).")
    p.add_argument("dataset", help="what to evaluate on (see above)")
    p.add_argument("--split", default="val", help="dataset split for shared stance sets (default val; train/val only here)")
    p.add_argument("--limit", type=int, default=0, help="evaluate a random sample of N examples (0 = all)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed for --limit")
    p.add_argument("--out", help="write per-example predictions (CSV) here, and the report as JSON beside it")
    p.add_argument("--show-wrong", type=int, default=10, help="document level: how many wrong cells to print")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_settings_flags(p)


def run(args: argparse.Namespace) -> int:
    """Run ``eval``; prints the report; returns an exit code."""
    from stance.cli.flags import settings_from_args

    settings = settings_from_args(args)
    scorer = Scorer(settings)
    if is_document_gold(args.dataset):
        report, cells, _ = evaluate_documents(args.dataset, settings, scorer, progress=not args.quiet)
        print(f"document level: {args.dataset} ({cells['doc_id'].nunique()} documents, {len(cells)} cells), "
              f"model {scorer.model_name}")
        print(report.summary())
        table_rel, ece = reliability(cells["confidence"].fillna(1.0).astype(float).tolist(), cells["correct"].tolist())
        print(f"\nreliability of the document confidence (expected calibration error {ece:.3f}):")
        print(table_rel.round(3).to_string(index=False))
        print("\nwrong cells:")
        print(format_wrong_cells(cells, args.show_wrong))
        table = cells
    else:
        df = _sentence_frame(args.dataset, args.split, args.limit, args.seed)
        report, table = evaluate_sentences(df, scorer, progress=not args.quiet)
        print(f"sentence level: {args.dataset} [{args.split}] ({len(df)} examples), model {scorer.model_name}, "
              f"templates {list(settings.templates[s] for s in STANCES)}")
        print(report.summary())
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, index=False)
        out.with_suffix(".json").write_text(json.dumps(report.as_dict(), indent=1, default=float))
        print(f"wrote {out}", file=sys.stderr)
    return 0
