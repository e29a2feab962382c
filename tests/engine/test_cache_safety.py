"""The score cache is never trusted blindly.

Keys record what a score was computed with (model, hypotheses, max length, runtime); a cached
value that is not three finite probabilities summing to 1 is scored again; a damaged cache file
is moved aside with a one-line warning and a fresh cache is built; a killed run keeps the work
of all but its last few seconds; a batch size below 1 is refused. Most tests use a fake model
(no torch work); the end-to-end one runs the CLI with the tiny test model.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time

import numpy as np
import pytest

from stance.cli import main
from stance.scoring import scorer as scoring
from stance.scoring.cache import ScoreCache, score_key, valid_probs
from stance.scoring.runtime import expected_runtime, model_runtime
from stance.scoring.scorer import Scorer
from stance.settings import SettingsError, load_settings
from tests.conftest import SEEDS_DIR

HYPS = ["The author is in favor of Iran.", "The author is against Iran.", "The author is neutral about Iran."]


class FakeModel:
    """Stands in for an NLI model: fixed valid probabilities, optional delay, records what it was asked."""

    name = "fake"
    fingerprint = "fake-fp"
    max_length = 160

    def __init__(self, runtime: str = "torch-fp32", seconds_per_pair: float = 0.0, output=None):
        self.runtime, self.seconds_per_pair, self.output = runtime, seconds_per_pair, output
        self.pairs, self.calls = 0, []

    def stance_probs(self, premises, hypothesis_sets, batch_size=32, progress=None, max_length=None):
        self.calls.append((len(premises), max_length))
        time.sleep(self.seconds_per_pair * len(premises))
        self.pairs += len(premises)
        row = [0.5, 0.3, 0.2] if self.output is None else self.output
        return np.array([row] * len(premises), dtype=np.float32)


@pytest.fixture()
def settings(tmp_path):
    return load_settings(overrides={"cache_dir": str(tmp_path / "cache")}, environ={})


def premises(n: int) -> list[str]:
    return [f"Iran sentence number {i} about the talks." for i in range(n)]


# --------------------------------------------------------------------------- keys


def test_the_key_records_model_hypotheses_max_length_and_runtime():
    base = score_key("m", "Iran said no.", HYPS, 160, "torch-fp32")
    assert len({base, score_key("m2", "Iran said no.", HYPS, 160, "torch-fp32"),
                score_key("m", "Iran said no.", HYPS[::-1], 160, "torch-fp32"),
                score_key("m", "Iran said no.", HYPS, 64, "torch-fp32"),
                score_key("m", "Iran said no.", HYPS, 160, "torch-fp16")}) == 5


def test_sentences_scored_with_another_max_length_or_runtime_are_not_reused(settings):
    first = FakeModel()
    Scorer(settings, model=first).score(premises(3), ["Iran"] * 3)
    assert first.calls == [(3, 160)]  # sentences: the budget is passed to the model and keyed
    short = FakeModel()
    short.max_length = 64  # a model loaded with --max-length 64
    Scorer(settings, model=short).score(premises(3), ["Iran"] * 3)
    assert short.calls == [(3, 64)]
    passage = FakeModel()
    Scorer(settings, model=passage).score(premises(3), ["Iran"] * 3, max_length=448)
    assert passage.calls == [(3, 448)]
    half = FakeModel(runtime="torch-fp16")
    Scorer(settings, model=half).score(premises(3), ["Iran"] * 3)
    assert half.pairs == 3
    again = FakeModel()
    Scorer(settings, model=again).score(premises(3), ["Iran"] * 3)
    assert again.pairs == 0  # same model, hypotheses, budget and runtime: all from the cache


def test_runtime_names():
    assert expected_runtime("cpu") == "torch-fp32" and expected_runtime("cuda:1") == "torch-fp16"
    assert model_runtime(FakeModel(runtime="torch-fp16")) == "torch-fp16"
    import torch

    class Loaded:
        model = torch.nn.Linear(2, 2).half()
    assert model_runtime(Loaded()) == "torch-fp16"


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("blob", [
    np.array([np.nan, 0.5, 0.5], dtype=np.float32).tobytes(),
    np.array([0.5, 0.3], dtype=np.float32).tobytes(),           # wrong length
    np.array([0.5, 0.3, 0.2, 0.0], dtype=np.float32).tobytes(),
    b"\x00" * 13,                                                # not float32s at all
    np.array([1.5, -0.3, -0.2], dtype=np.float32).tobytes(),     # out of [0, 1]
    np.array([0.5, 0.5, 0.5], dtype=np.float32).tobytes(),       # does not sum to 1
    "text, not a blob",
])
def test_a_bad_cached_value_is_rescored_and_replaced(settings, blob):
    scorer = Scorer(settings, model=FakeModel())
    key = score_key("fake-fp", premises(1)[0], HYPS, 160, "torch-fp32")
    scorer.cache._conn.execute("INSERT INTO scores VALUES (?, ?)", (key, blob))
    scorer.cache._conn.commit()
    out = scorer.score(premises(1), ["Iran"])
    assert scorer.stats["scored"] == 1 and valid_probs(out[0])
    np.testing.assert_allclose(ScoreCache(scorer.cache.path).get_scores([key])[key], [0.5, 0.3, 0.2])


def test_invalid_model_output_is_not_cached(settings, capsys):
    scorer = Scorer(settings, model=FakeModel(output=[np.nan, 0.5, 0.5]))
    scorer.score(premises(2), ["Iran"] * 2)
    assert len(scorer.cache) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "2 score(s)" in err and "not cached" in err


def test_a_batch_size_below_one_is_refused_before_scoring(settings):
    with pytest.raises(SettingsError, match="batch_size"):
        Scorer(dataclasses.replace(settings, batch_size=-1), model=FakeModel())


# --------------------------------------------------------------------------- damaged files


def _not_a_database(path):
    path.write_bytes(b"this is not a database " * 200)


def _foreign_table(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE scores (a TEXT, b TEXT)")


def _damaged_pages(path):
    cache = ScoreCache(path)
    cache.put_many({f"k{i}": np.array([0.2, 0.3, 0.5]) for i in range(3000)})
    cache.close()
    data = bytearray(path.read_bytes())
    for offset in range(8192, len(data), 4096):
        data[offset:offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_not_a_database, _foreign_table, _damaged_pages])
def test_a_damaged_cache_is_moved_aside_and_rebuilt(tmp_path, capsys, damage):
    path = tmp_path / "scores.sqlite"
    damage(path)
    cache = ScoreCache(path)
    cache.get_scores(["k1"])
    cache.put_many({"k": np.array([0.2, 0.3, 0.5])})
    assert len(cache) == 1
    (aside,) = tmp_path.glob("scores.sqlite.corrupt-*[0-9]Z")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("warning: score cache") and aside.name in err


def test_the_cli_labels_through_a_damaged_cache(tiny_model_dir, tmp_path, capsys):
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    _not_a_database(cache_dir / "scores.sqlite")
    code = main(["label", str(SEEDS_DIR), "--out", str(tmp_path / "out"), "--model", str(tiny_model_dir),
                 "--cache-dir", str(cache_dir), "--quiet"])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    assert [line for line in err.splitlines() if "score cache" in line and ".corrupt-" in line]
    assert len(ScoreCache(cache_dir / "scores.sqlite")) > 0


def test_an_unusable_cache_folder_is_a_settings_error(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    code = main(["label", str(SEEDS_DIR), "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "file"),
                 "--model", "/no/such/model"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1 and "cache_dir" in err


# --------------------------------------------------------------------------- flushing


def test_a_killed_run_keeps_all_but_its_last_seconds(settings, monkeypatch):
    """With writes every 0.2 s of model work, a run stopped after ~1 s keeps most of what it scored."""
    monkeypatch.setattr(scoring, "FLUSH_SECONDS", 0.2)
    model = FakeModel(seconds_per_pair=0.02)
    real = model.stance_probs

    def stopped(*args, **kwargs):
        if model.pairs >= 50:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    model.stance_probs = stopped
    scorer = Scorer(dataclasses.replace(settings, batch_size=3), model=model)
    with pytest.raises(KeyboardInterrupt):
        scorer.score(premises(200), ["Iran"] * 200)
    assert model.pairs >= 50 and len(scorer.cache) == model.pairs  # every finished chunk was stored
    assert max(n for n, _ in model.calls) <= 20  # chunks take about 0.2 s, not 2,048 pairs
