"""How the target is named in the hypotheses: the shipped document rule under other phrasings.

The hypotheses say "The author is against {target}." with the target's name ("United States").
This scores the AllSides dev gold again with the target named differently, and runs the shipped
row of ``tune_documents.py`` (contrast, neutral prior and threshold tuned on the training folds,
5-fold CV over documents x repeats) on each:

* ``name``: the target's name (shipped);
* ``government``: "the U.S. government", "the Iranian government", "the Israeli government";
* ``policy``: "U.S. policy", "Iranian policy", "Israeli policy";
* ``alias``: the alias the sentence uses most ("Trump", "Tehran", "IDF"), as in the mention-level
  news data the model was trained on.

    python -m lab.tuning.hypothesis_phrasing [--repeats 3] [--phrasings name government]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from lab.tuning.tune_documents import cross_validate, dev_tables, print_rows, shipped_grid
from stance.scoring.scorer import Scorer
from stance.settings import load_settings
from stance.text.targets import build_matchers

NAMES = {
    "government": {"United States": "the U.S. government", "Iran": "the Iranian government",
                   "Israel": "the Israeli government"},
    "policy": {"United States": "U.S. policy", "Iran": "Iranian policy", "Israel": "Israeli policy"},
}
PHRASINGS = ["name", "government", "policy", "alias"]


class PhrasedScorer(Scorer):
    """A :class:`Scorer` that names each target differently in its hypotheses."""

    def __init__(self, settings, phrasing: str):
        super().__init__(settings)
        self.phrasing = phrasing
        self.matchers = build_matchers(settings.targets)

    def phrase(self, premise: str, target: str) -> str:
        """Return the words standing for ``target`` in the hypotheses for ``premise``."""
        if self.phrasing == "alias":
            found = self.matchers[target].find(premise)
            return Counter(found).most_common(1)[0][0] if found else target
        return NAMES.get(self.phrasing, {}).get(target, target)

    def score(self, premises, targets, progress=None):
        """Score as :meth:`Scorer.score`, with the targets renamed (the cache keys follow the text)."""
        return super().score(premises, [self.phrase(p, t) for p, t in zip(premises, targets)], progress)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="NLI model (default: the configured offline default)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--phrasings", nargs="+", choices=PHRASINGS, default=PHRASINGS)
    args = ap.parse_args(argv)
    settings = load_settings(overrides={"model": args.model})
    rows = []
    for phrasing in args.phrasings:
        cells, sent = dev_tables(settings, PhrasedScorer(settings, phrasing))
        m = shipped_grid(sent, f"targets named by {phrasing}; contrast, prior and threshold tuned")
        rows.append(cross_validate(m, cells, 5, args.repeats))
        print(f"{phrasing}: macro-F1 {rows[-1]['macro_f1']:.3f}, F_avg {rows[-1]['f_avg']:.3f}", flush=True)
    print_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
