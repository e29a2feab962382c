"""Score (premise, target) pairs through the cache, loading the NLI model only when something is missing."""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from stance.scoring.cache import ScoreCache, score_key, valid_probs
from stance.scoring.nli import NLIModel, load_nli_model, model_fingerprint
from stance.scoring.runtime import expected_runtime, model_runtime
from stance.settings import STANCES, Settings, SettingsError

#: Most pairs scored between two writes to the score cache.
SCORE_CHUNK = 2048
#: Seconds of model work between two writes to the score cache (what an interrupted run can lose).
FLUSH_SECONDS = 2.0


def open_cache(settings: Settings) -> ScoreCache | None:
    """Return the score cache of ``settings.cache_dir`` (None when it is ``""``).

    Raises :class:`SettingsError` naming ``cache_dir`` when the folder or file cannot be made or opened.
    """
    if not settings.cache_dir:
        return None
    path = Path(settings.cache_dir) / "scores.sqlite"
    try:
        return ScoreCache(path)
    except (OSError, sqlite3.Error) as exc:
        raise SettingsError(f"setting cache_dir: cannot use the score cache {path}: {exc}") from None


class Scorer:
    """Scores units through the cache, loading the model only when something is missing."""

    def __init__(self, settings: Settings, model: NLIModel | None = None):
        """Take the settings and, optionally, an already loaded model; raises :class:`SettingsError` for a batch size below 1."""
        if settings.batch_size < 1:
            raise SettingsError(f"setting batch_size must be at least 1, not {settings.batch_size}")
        self.settings = settings
        self.model_name = model.name if model else settings.resolved_model()
        self._model = model
        self._runtime = model_runtime(model) if model else None
        self.fingerprint = model.fingerprint if model else model_fingerprint(self.model_name)
        self.cache = open_cache(settings)
        self.stats = {"pairs": 0, "cached": 0, "scored": 0, "model_seconds": 0.0}

    @property
    def model(self) -> NLIModel:
        """The NLI model, loaded on first use."""
        if self._model is None:
            s = self.settings
            self._model = load_nli_model(self.model_name, s.device, s.max_length, s.threads)
        return self._model

    @property
    def runtime(self) -> str:
        """What scores are computed with (``torch-fp32``, ``torch-fp16``): the loaded model's, else what loading gives."""
        if self.__dict__.get("_runtime") is None:
            loaded = self.__dict__.get("_model")
            self._runtime = model_runtime(loaded) if loaded is not None else expected_runtime(self.settings.device)
        return self._runtime

    def hypotheses(self, target: str) -> list[str]:
        """Return the favor/against/neutral hypotheses for ``target`` from the templates."""
        return [self.settings.templates[s].format(target=target) for s in STANCES]

    def token_budget(self, max_length: int | None = None) -> int:
        """Return the token budget a pair is scored with: ``max_length``, else the model's (or the settings')."""
        if max_length:
            return int(max_length)
        loaded = self.__dict__.get("_model")
        return int(getattr(loaded, "max_length", 0) or self.settings.max_length)

    def score(self, premises: list[str], targets: list[str],
              progress: Callable[[int], None] | None = None, max_length: int | None = None) -> np.ndarray:
        """Return an (N, 3) array of p(favor), p(against), p(neutral) for each premise/target.

        Identical (premise, target) pairs are scored once; pairs with a valid cached score not at
        all. ``max_length`` scores with another token budget than the settings' (document passages).
        """
        budget, runtime = self.token_budget(max_length), self.runtime
        hyps = {t: self.hypotheses(t) for t in set(targets)}
        keys = [score_key(self.fingerprint, p, hyps[t], budget, runtime) for p, t in zip(premises, targets)]
        found = self.cache.get_scores(list(set(keys))) if self.cache is not None else {}
        todo: dict[str, tuple[str, str]] = {}
        for k, p, t in zip(keys, premises, targets):
            if k not in found and k not in todo:
                todo[k] = (p, t)
        if todo and model_runtime(self.model) != runtime:  # the loaded model runs otherwise: key by what it runs
            self._runtime = model_runtime(self.model)
            return self.score(premises, targets, progress, max_length)
        self.stats["pairs"] += len(keys)
        self.stats["cached"] += sum(1 for k in keys if k in found)
        self.stats["scored"] += len(todo)
        found.update(self._score_missing(todo, hyps, budget, progress))
        if not keys:
            return np.zeros((0, 3), dtype=np.float32)
        return np.stack([found[k] for k in keys])

    def _score_missing(self, todo: dict[str, tuple[str, str]], hyps: dict[str, list[str]], budget: int,
                       progress: Callable[[int], None] | None) -> dict[str, np.ndarray]:
        """Score the ``todo`` pairs (key -> (premise, target)) with the model; returns key -> probabilities.

        Pairs go in length order, in chunks sized to take about :data:`FLUSH_SECONDS` (at most
        :data:`SCORE_CHUNK` pairs); each chunk is stored at once, so an interrupted run (Ctrl-C, a
        killed process) keeps what it scored and resumes from the cache. Scores that are not valid
        probabilities are returned but never stored.
        """
        items = sorted(todo.items(), key=lambda kv: len(kv[1][0]))
        seen = [0, 0]  # premise/hypothesis passes done, pairs reported

        def tick(n: int) -> None:
            seen[0] += n
            pairs = seen[0] // len(STANCES)
            if progress is not None and pairs > seen[1]:
                progress(pairs - seen[1])
                seen[1] = pairs

        out: dict[str, np.ndarray] = {}
        smallest = max(1, -(-self.settings.batch_size // len(STANCES)))  # one model batch
        size, start, invalid = smallest, 0, 0
        while start < len(items):
            chunk = items[start:start + min(size, SCORE_CHUNK)]
            start += len(chunk)
            t0 = time.perf_counter()
            probs = self.model.stance_probs(
                [p for _, (p, _) in chunk], [hyps[t] for _, (_, t) in chunk], self.settings.batch_size,
                progress=tick if progress else None, max_length=budget,
            )
            seconds = time.perf_counter() - t0
            self.stats["model_seconds"] += seconds
            new = {k: probs[i] for i, (k, _) in enumerate(chunk)}
            good = {k: v for k, v in new.items() if valid_probs(v)}
            invalid += len(new) - len(good)
            if self.cache is not None and good:
                self.cache.put_many(good)
            out.update(new)
            size = max(smallest, int(len(chunk) * FLUSH_SECONDS / max(seconds, 1e-6)))
        if invalid:
            print(f"warning: {invalid} score(s) from model {self.model_name} are not valid probabilities "
                  "(NaN or out of range); they were not cached", file=sys.stderr)
        return out
