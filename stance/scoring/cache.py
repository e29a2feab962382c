"""On-disk cache of stance scores (keyed by model, hypotheses and premise text) and of
sentence splits (keyed by splitter version, language and text).

SQLite in WAL mode: readers never block, concurrent writers (several processes or Ray
actors) serialise on SQLite's lock instead of corrupting the file, and ``INSERT OR
IGNORE`` makes a repeated write harmless. A changed document only misses on its changed
sentences because the key is the sentence text, not the document.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np


def score_key(model_fp: str, premise: str, hypotheses: list[str], max_length: int | None = None) -> str:
    """Return the cache key of one premise scored against ``hypotheses`` by a model.

    ``max_length`` (the token budget a long premise was cut to) is part of the key when given.
    """
    h = hashlib.sha1()
    if max_length is not None:
        h.update(f"max_length={max_length}".encode())
        h.update(b"\x1f")
    h.update(model_fp.encode())
    h.update(b"\x1f")
    h.update("\x1e".join(hypotheses).encode())
    h.update(b"\x1f")
    h.update(premise.encode())
    return h.hexdigest()


class ScoreCache:
    """A SQLite file of ``key -> probabilities``; use :meth:`get_many` and :meth:`put_many`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS scores (key TEXT PRIMARY KEY, probs BLOB NOT NULL)")
        self._conn.execute("CREATE TABLE IF NOT EXISTS splits (key TEXT PRIMARY KEY, spans TEXT NOT NULL)")
        self._conn.commit()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        """Return the cached probabilities for those ``keys`` that are present."""
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT key, probs FROM scores WHERE key IN ({','.join('?' * len(chunk))})"
            for key, blob in self._conn.execute(q, chunk):
                out[key] = np.frombuffer(blob, dtype=np.float32).copy()
        return out

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        """Store probabilities for each key (existing keys are left as they are)."""
        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        with self._conn:
            self._conn.executemany("INSERT OR IGNORE INTO scores (key, probs) VALUES (?, ?)", rows)

    def get_splits(self, keys: list[str]) -> dict[str, str]:
        """Return the stored sentence spans (JSON text) for those ``keys`` that are present."""
        out: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT key, spans FROM splits WHERE key IN ({','.join('?' * len(chunk))})"
            out.update(self._conn.execute(q, chunk).fetchall())
        return out

    def put_splits(self, items: dict[str, str]) -> None:
        """Store sentence spans (JSON text) per key (existing keys are left as they are)."""
        with self._conn:
            self._conn.executemany("INSERT OR IGNORE INTO splits (key, spans) VALUES (?, ?)", list(items.items()))

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM scores").fetchone()[0])

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()
