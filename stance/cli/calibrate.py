"""``python -m stance calibrate``: fit the confidence calibrator (and optionally the head) on a document gold.

A calibrator turns a document label's raw confidence (bootstrap agreement) into "how often a
label like this is right"; a head replaces the threshold rule with a small logistic model over
the sentence scores. Both are fitted on one model's scores under one set of aggregation
settings, and written beside that model (:mod:`stance.documents.fitted`), where every later run
with the same model and settings picks them up.

The gold is a CSV with ``doc_id, target`` and ``gold`` (or ``label``): favor, against, neutral,
not_mentioned, or ``a|b`` for a cell two readers split on (right for either label). Fit it on
validation data, never on a test set.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pandas as pd

from stance.cli.flags import add_settings_flags, settings_from_args
from stance.documents.calibration import fit_calibrator
from stance.documents.fitted import part_paths
from stance.documents.head import DocHead, document_features
from stance.io.corpus import Corpus, load_corpus
from stance.settings import DOC_LABELS, SettingsError


def read_gold(path: str | Path) -> pd.DataFrame:
    """Return a document gold CSV as ``doc_id, target, gold``; raises SettingsError naming the file on bad input."""
    path = Path(path)
    if not path.is_file():
        raise SettingsError(f"{path}: no such gold file")
    gold = pd.read_csv(path, keep_default_na=False, dtype=str)
    if "gold" not in gold and "label" in gold:
        gold = gold.rename(columns={"label": "gold"})
    missing = {"doc_id", "target", "gold"} - set(gold.columns)
    if missing:
        raise SettingsError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    for i, g in enumerate(gold["gold"], start=2):
        if not set(g.split("|")) <= set(DOC_LABELS):
            raise SettingsError(f"{path}, line {i}: label {g!r} is not one of {', '.join(DOC_LABELS)} (or a|b)")
    return gold[["doc_id", "target", "gold"]]


def calibrate(gold: pd.DataFrame, corpus: Corpus, settings, head: bool = False, name: str = "a document gold") -> dict:
    """Fit the calibrator (and the head when ``head``) on ``gold`` cells of ``corpus``; write them beside the model.

    Returns ``{"calibrator": path, "head": path or None, "cells": n, "accuracy": share right}``.
    """
    from stance.engines.local import label_corpus
    from stance.scoring.scorer import Scorer

    ids = set(gold["doc_id"])
    missing = ids - {d.id for d in corpus.documents}
    if missing:
        raise SettingsError(f"{len(missing)} gold document(s) are not in the corpus (first: {sorted(missing)[0]})")
    sub = dataclasses.replace(corpus, documents=[d for d in corpus.documents if d.id in ids])
    # the calibrator describes the threshold rule's labels, so they are made without a head
    mean_settings = dataclasses.replace(settings, aggregate=dataclasses.replace(settings.aggregate, method="mean"))
    scorer = Scorer(mean_settings)
    res = label_corpus(sub, mean_settings, scorer=scorer)
    cells = gold.merge(res.documents, on=["doc_id", "target"], how="inner", validate="one_to_one")
    correct = [lab in g.split("|") for lab, g in zip(cells["label"], cells["gold"])]
    head_path, cal_path = part_paths(scorer.model_name, scorer.fingerprint)
    cal_path.parent.mkdir(parents=True, exist_ok=True)
    thr = settings.aggregate.neutral_threshold
    cal = fit_calibrator(cells, correct, thr)
    cal.info = {"model_fingerprint": scorer.fingerprint, "neutral_threshold": thr,
                "aggregate": settings.aggregate.label_settings(), "trained_on": f"{name} ({len(cells)} cells)"}
    cal.save(cal_path)
    out = {"calibrator": str(cal_path), "head": None, "cells": len(cells), "accuracy": sum(correct) / max(len(cells), 1)}
    if head:
        mentioned = cells[cells["label"] != "not_mentioned"]
        y = [g.split("|")[0] if g.split("|")[0] != "not_mentioned" else "neutral" for g in mentioned["gold"]]
        X = document_features(res.sentences).loc[list(zip(mentioned["doc_id"], mentioned["target"]))]
        h = DocHead(l2=3.0).fit(X, y)
        h.info = {"model_fingerprint": scorer.fingerprint, "trained_on": f"{name} ({len(mentioned)} mentioned cells)"}
        h.save(head_path)
        out["head"] = str(head_path)
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``calibrate``: fit, write and print where; returns 0."""
    settings = settings_from_args(args)
    out = calibrate(read_gold(args.gold), load_corpus(args.corpus), settings, args.head, Path(args.gold).name)
    print(f"{out['cells']} gold cells, threshold rule right on {out['accuracy']:.3f}")
    print(f"wrote {out['calibrator']}" + (f" and {out['head']}" if out["head"] else ""))
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``calibrate`` subcommand."""
    p = sub.add_parser("calibrate", help="fit the document confidence calibrator (and head) on a document gold",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("gold", help="CSV with doc_id, target, gold (favor/against/neutral/not_mentioned or a|b)")
    p.add_argument("corpus", help="the corpus the gold's documents come from")
    p.add_argument("--head", action="store_true", help="also fit the document head (used when aggregate.method is head/auto)")
    add_settings_flags(p)
    p.set_defaults(func=run)
