"""Every document gold set by name: its CSV, the corpora its articles come from, its readers, rules and role.

Roles keep the numbers honest: ``test`` sets are scored once per candidate and never used to
train, tune or choose; ``validation`` sets are what choices are made on; ``training`` sets are
readings to learn from. ``python -m lab eval NAME`` scores the shipped system on any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stance.io.corpus import Corpus, load_corpus
from stance.settings import DOC_LABELS, REPO_DIR

SHARED = REPO_DIR.parent / "shared"
DATA = REPO_DIR / "lab" / "data"
RULES = SHARED / "datasets" / "allsides_dev_gold" / "RULES.md"
CORPORA = {"allsides": REPO_DIR / "corpus" / "allsides", "us_world": REPO_DIR / "corpus" / "us_world",
           "seeds": REPO_DIR / "corpus" / "seeds"}


@dataclass(frozen=True)
class GoldSet:
    """One document gold set: ``doc_id, target`` and a label column (``gold``, or ``label`` for one reading)."""

    name: str
    csv: Path
    corpora: tuple[str, ...]
    role: str  # "test", "validation" or "training"
    readers: int
    rules: Path
    description: str

    def available(self) -> bool:
        """True when the CSV is here (the dev gold lives in ../shared, beside the repository)."""
        return self.csv.is_file()


GOLD_SETS = {g.name: g for g in [
    GoldSet("allsides-test", DATA / "readings" / "test_gold.csv", ("allsides", "us_world"), "test", 2, RULES,
            "180 articles (90 per AllSides corpus, 30 per outlet rating) x 3 targets, two independent readings; "
            "never trained, tuned or chosen on"),
    GoldSet("allsides-dev", SHARED / "datasets" / "allsides_dev_gold" / "gold.csv", ("allsides",), "validation", 2, RULES,
            "39 AllSides articles x 3 targets (the project's first gold)"),
    GoldSet("allsides-silver", DATA / "golds" / "allsides_silver_gold.csv", ("allsides",), "validation", 2, RULES,
            "60 AllSides articles x 3 targets, two readings"),
    GoldSet("allsides-train", DATA / "allsides_documents.csv", ("allsides",), "training", 1, RULES,
            "480 AllSides articles x 3 targets, one reading each"),
    GoldSet("readings-train", DATA / "readings" / "train_documents.csv", ("allsides", "us_world"), "training", 1, RULES,
            "the document readings at scale over both corpora, one reading each (lab.readings.articles)"),
    GoldSet("seeds", DATA / "golds" / "seed_gold_documents.csv", ("seeds",), "validation", 1,
            DATA / "golds" / "SEED_GOLD.md", "5 seed documents x 3 targets"),
]}


def gold_names() -> tuple[str, ...]:
    """Return the names of every registered gold set."""
    return tuple(GOLD_SETS)


def is_document_gold(name: str) -> bool:
    """Return True when ``name`` names a gold set (or several joined by "+")."""
    return all(n in GOLD_SETS for n in name.split("+"))


def load_gold_table(name: str) -> pd.DataFrame:
    """Return gold set ``name`` as ``doc_id, target, gold, evidence`` plus its own columns.

    ``gold`` is a label or ``a|b`` where two readers split (right for either). Raises
    FileNotFoundError naming the set when its file is absent.
    """
    g = GOLD_SETS[name]
    if not g.available():
        raise FileNotFoundError(f"gold set {name}: {g.csv} not found" +
                                (" (the dev gold lives in ../shared/datasets beside the repository)"
                                 if SHARED in g.csv.parents else ""))
    table = pd.read_csv(g.csv, keep_default_na=False)
    if "gold" not in table:
        table = table.rename(columns={"label": "gold"})
    if "evidence_reader1" in table:
        table["evidence"] = table["evidence_reader1"].astype(str) + " || " + table["evidence_reader2"].astype(str)
    elif "evidence" not in table:
        table["evidence"] = ""
    table["evidence"] = table["evidence"].astype(str)
    bad = {p for v in table["gold"] for p in str(v).split("|")} - set(DOC_LABELS)
    if bad:
        raise ValueError(f"gold set {name}: unknown labels {sorted(bad)} in {g.csv}")
    return table


def load_document_gold(name: str) -> tuple[pd.DataFrame, Corpus]:
    """Load a document gold set (or several joined by "+") and the corpus of just its documents.

    Returns (gold table with ``doc_id, target, gold, evidence``, corpus named ``name``). Raises
    FileNotFoundError for an unknown name, an absent file, or gold documents no corpus holds.
    """
    names = name.split("+")
    unknown = [n for n in names if n not in GOLD_SETS]
    if unknown:
        raise FileNotFoundError(f"{unknown[0]}: unknown document gold set (use {', '.join(GOLD_SETS)}, "
                                "or several joined by '+')")
    gold = pd.concat([load_gold_table(n) for n in names], ignore_index=True)
    corpora = dict.fromkeys(c for n in names for c in GOLD_SETS[n].corpora)
    docs, warnings = [], []
    for c in corpora:
        loaded = load_corpus(CORPORA[c])
        docs += loaded.documents
        warnings += loaded.warnings
    ids = set(gold["doc_id"])
    missing = ids - {d.id for d in docs}
    if missing:
        raise FileNotFoundError(f"gold names documents not in the corpus: {', '.join(sorted(missing)[:5])}")
    return gold, Corpus([d for d in docs if d.id in ids], list(dict.fromkeys(warnings)), name)
