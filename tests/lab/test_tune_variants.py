"""The aggregation variants ``lab/tuning/tune_documents.py --score-variants`` compares.

Each variant must be the shipped mean with exactly one change: at the parameter value where its
change vanishes it reproduces the shipped document scores, and elsewhere it differs as described.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lab.tuning.methods import VARIANTS, _weighted_mean, target_speaks, variant_scores


@pytest.fixture()
def sent():
    rows = []
    rng = np.random.default_rng(0)
    for d in range(4):
        for i in range(5):
            for t in ["Iran", "Israel"] if i % 2 else ["Iran"]:
                pf, pa = rng.uniform(0, 0.5, 2)
                rows.append({"doc_id": f"d{d}", "sent_idx": i, "target": t, "position": i, "cue": "",
                             "p_favor": pf, "p_against": pa, "p_neutral": 1 - pf - pa, "raw_score": pf - pa})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("variant, identity", [("clip", 1.0), ("capped_contrast", 9.0), ("sum_power", 1.0),
                                               ("top_k", 99)])
def test_variant_at_its_identity_value_is_the_shipped_mean(sent, variant, identity):
    shipped = _weighted_mean(sent, 1.0, 1.0, prior=5.0, contrast=1.25)
    got = variant_scores(sent, variant, identity, contrast=1.25, prior=5.0)
    pd.testing.assert_series_equal(got.sort_index(), shipped.sort_index(), check_names=False)


def test_variants_change_the_scores_as_described(sent):
    shipped = _weighted_mean(sent, 1.0, 1.0, prior=0.0, contrast=0.0)
    votes = variant_scores(sent, "vote", 0.2, contrast=0.0, prior=0.0)
    # votes count sentences: n x score is a whole number, and they agree in sign with strong means
    n = sent.groupby(["doc_id", "target"]).size()
    counted = (votes * n).loc[votes.index]
    assert np.allclose(counted, counted.round())
    assert (np.sign(votes[shipped.abs() > 0.2]) == np.sign(shipped[shipped.abs() > 0.2])).all()
    capped = variant_scores(sent, "capped_contrast", 0.05, contrast=1.25, prior=0.0)
    full = _weighted_mean(sent, 1.0, 1.0, prior=0.0, contrast=1.25)
    # a capped shift moves each document at most 0.05 from the raw mean, the full contrast more
    assert (capped - shipped).abs().max() <= 0.05 + 1e-9
    assert (full - shipped).abs().max() > 0.05
    top1 = variant_scores(sent, "top_k", 1, contrast=0.0, prior=0.0)
    strongest = sent.loc[sent["raw_score"].abs().groupby([sent["doc_id"], sent["target"]]).idxmax()]
    assert np.allclose(top1.sort_index(), strongest.set_index(["doc_id", "target"])["raw_score"].sort_index())
    assert set(VARIANTS) == {"clip", "vote", "tanh", "log_odds", "capped_contrast", "sum_power", "top_k",
                             "target_speaks"}


def test_target_speaks_finds_the_target_as_the_speaker():
    sent = pd.DataFrame({
        "sentence": ["Iran denied any role in the attack.",                 # Iran speaks
                     "Iranian President Hassan Rouhani criticized the riot.",  # Iran (Rouhani) speaks
                     "Israel struck Iranian sites, officials said.",        # the speaker is someone else
                     "Saudi Arabia accused Iran of the attack.",            # Iran is the object
                     "Iran is isolated."],                                  # no speech at all
        "aliases": ["Iran", "Iranian;Rouhani", "Israel", "Iran", "Iran"]})
    assert target_speaks(sent).tolist() == [True, True, False, False, False]
