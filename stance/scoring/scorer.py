"""Score (premise, target) pairs through the cache, loading the NLI model only when something is missing."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from stance.scoring.cache import ScoreCache, score_key
from stance.scoring.nli import NLIModel, load_nli_model, model_fingerprint
from stance.settings import STANCES, Settings

#: Pairs scored between two writes to the score cache (what an interrupted run can lose).
SCORE_CHUNK = 2048


class Scorer:
    """Scores units through the cache, loading the model only when something is missing."""

    def __init__(self, settings: Settings, model: NLIModel | None = None):
        self.settings = settings
        self.model_name = model.name if model else settings.resolved_model()
        self._model = model
        self.fingerprint = model.fingerprint if model else model_fingerprint(self.model_name)
        self.cache = ScoreCache(Path(settings.cache_dir) / "scores.sqlite") if settings.cache_dir else None
        self.stats = {"pairs": 0, "cached": 0, "scored": 0, "model_seconds": 0.0}

    @property
    def model(self) -> NLIModel:
        """The NLI model, loaded on first use."""
        if self._model is None:
            s = self.settings
            self._model = load_nli_model(self.model_name, s.device, s.max_length, s.threads)
        return self._model

    def hypotheses(self, target: str) -> list[str]:
        """Return the favor/against/neutral hypotheses for ``target`` from the templates."""
        return [self.settings.templates[s].format(target=target) for s in STANCES]

    def score(self, premises: list[str], targets: list[str],
              progress: Callable[[int], None] | None = None, max_length: int | None = None) -> np.ndarray:
        """Return an (N, 3) array of p(favor), p(against), p(neutral) for each premise/target.

        Identical (premise, target) pairs are scored once; cached pairs not at all.
        ``max_length`` scores with another token budget than the settings' (document passages).
        """
        hyps = {t: self.hypotheses(t) for t in set(targets)}
        keys = [score_key(self.fingerprint, p, hyps[t], max_length) for p, t in zip(premises, targets)]
        found = self.cache.get_many(list(set(keys))) if self.cache is not None else {}
        todo: dict[str, tuple[str, str]] = {}
        for k, p, t in zip(keys, premises, targets):
            if k not in found and k not in todo:
                todo[k] = (p, t)
        self.stats["pairs"] += len(keys)
        self.stats["cached"] += sum(1 for k in keys if k in found)
        self.stats["scored"] += len(todo)
        # Score in length-ordered chunks and store each chunk at once, so an interrupted run
        # (Ctrl-C, a killed process) keeps what it scored and resumes from the cache.
        items = sorted(todo.items(), key=lambda kv: len(kv[1][0]))
        seen = [0, 0]  # premise/hypothesis passes done, pairs reported

        def tick(n: int) -> None:
            seen[0] += n
            pairs = seen[0] // len(STANCES)
            if progress is not None and pairs > seen[1]:
                progress(pairs - seen[1])
                seen[1] = pairs

        for start in range(0, len(items), SCORE_CHUNK):
            chunk = items[start:start + SCORE_CHUNK]
            t0 = time.perf_counter()
            probs = self.model.stance_probs(
                [p for _, (p, _) in chunk], [hyps[t] for _, (_, t) in chunk],
                self.settings.batch_size,
                progress=tick if progress else None, max_length=max_length,
            )
            self.stats["model_seconds"] += time.perf_counter() - t0
            new = {k: probs[i] for i, (k, _) in enumerate(chunk)}
            if self.cache is not None:
                self.cache.put_many(new)
            found.update(new)
        if not keys:
            return np.zeros((0, 3), dtype=np.float32)
        return np.stack([found[k] for k in keys])
