"""On-disk cache of stance scores (keyed by what a score was computed with and the premise
text) and of sentence splits (keyed by splitter version, language and text).

SQLite in WAL mode: readers never block, concurrent writers (several processes or Ray
actors) serialise on SQLite's lock instead of corrupting the file. A changed document only
misses on its changed sentences because the key is the sentence text, not the document.

Nothing read back is trusted: a score must be three finite probabilities summing to 1
(:func:`valid_probs`), anything else counts as missing and is scored again (and replaced).
A cache file that is not a database, or whose tables are not the cache's, is moved aside as
``<name>.corrupt-<UTC time>`` with a one-line warning on stderr, and a fresh cache is built.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

#: Bumped when the key's recipe changes (older caches then simply miss).
KEY_VERSION = "score-key-2"
#: The tables and their (column, is primary key) pairs; anything else is a broken cache.
SCHEMA = {
    "scores": ("CREATE TABLE IF NOT EXISTS scores (key TEXT PRIMARY KEY, probs BLOB NOT NULL)",
               [("key", 1), ("probs", 0)]),
    "splits": ("CREATE TABLE IF NOT EXISTS splits (key TEXT PRIMARY KEY, spans TEXT NOT NULL)",
               [("key", 1), ("spans", 0)]),
}
_N_PROBS, _TOLERANCE = 3, 1e-3


class BrokenCache(sqlite3.DatabaseError):
    """The file is a SQLite database, but its tables are not the score cache's."""


def score_key(model_fp: str, premise: str, hypotheses: list[str], max_length: int, runtime: str) -> str:
    """Return the cache key of one premise scored against ``hypotheses``.

    The key records everything the score was computed with: the model fingerprint, the
    hypotheses, the token budget ``max_length`` and the ``runtime`` (e.g. ``torch-fp32``).
    """
    h = hashlib.sha1()
    for part in (KEY_VERSION, f"runtime={runtime}", f"max_length={int(max_length)}", model_fp,
                 "\x1e".join(hypotheses), premise):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def valid_probs(values: Any) -> bool:
    """Return whether ``values`` is a stance score: 3 finite floats in [0, 1] summing to 1 (within 1e-3)."""
    arr = np.asarray(values, dtype=np.float64)
    return (arr.shape == (_N_PROBS,) and bool(np.isfinite(arr).all()) and bool(((arr >= 0) & (arr <= 1)).all())
            and abs(float(arr.sum()) - 1.0) <= _TOLERANCE)


def _decode(blob: Any) -> np.ndarray | None:
    """Return the 3 float32 values stored in ``blob``, or None when it is not 3 float32s."""
    if not isinstance(blob, bytes | memoryview) or len(blob) != _N_PROBS * 4:
        return None
    return np.frombuffer(blob, dtype=np.float32).copy()


def _is_broken(exc: sqlite3.Error) -> bool:
    """Return whether ``exc`` says the file is damaged (not a database, corrupt, wrong tables), not busy or locked."""
    if isinstance(exc, BrokenCache):
        return True
    if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return True
    return str(exc).startswith(("no such table", "no such column", "file is not a database", "database disk image"))


class ScoreCache:
    """A SQLite file of ``key -> probabilities``; use :meth:`get_scores` and :meth:`put_many`."""

    def __init__(self, path: str | Path):
        """Open (or create) the cache file ``path``; a damaged file is moved aside and replaced by a fresh one."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = self._connect()
        except sqlite3.DatabaseError as exc:
            if not _is_broken(exc):
                raise
            self._move_aside(exc)
            self._conn = self._connect()

    def _connect(self) -> sqlite3.Connection:
        """Return a connection to ``path`` with the tables there; raises ``sqlite3.DatabaseError`` for a damaged file."""
        conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            for table, (create, columns) in SCHEMA.items():
                conn.execute(create)
                found = [(row[1], row[5]) for row in conn.execute(f"PRAGMA table_info({table})")]
                if found != columns:
                    raise BrokenCache(f"table {table} has columns {found}, not {columns}")
            conn.commit()
            self._inode = os.stat(self.path).st_ino
        except BaseException:
            conn.close()
            raise
        return conn

    def _move_aside(self, exc: sqlite3.Error) -> None:
        """Rename the damaged file (and its -wal/-shm files) to ``<name>.corrupt-<UTC time>``; warns on stderr."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:  # another process moved it first
            return
        for side in ("-wal", "-shm", "-journal"):
            extra = Path(f"{self.path}{side}")
            if extra.exists():
                os.replace(extra, Path(f"{aside}{side}"))
        reason = " ".join(str(exc).split())
        print(f"warning: score cache {self.path} is damaged ({reason}); moved it to {aside.name} and started "
              "a fresh cache", file=sys.stderr)

    def _run(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Return ``work(connection)``; a file found damaged meanwhile is moved aside and ``work`` runs on a fresh one."""
        try:
            return work(self._conn)
        except sqlite3.DatabaseError as exc:
            if not _is_broken(exc):
                raise
            self._conn.close()
            try:
                same_file = os.stat(self.path).st_ino == self._inode
            except FileNotFoundError:
                same_file = False
            if same_file:  # another process may already have moved it aside and started afresh
                self._move_aside(exc)
            self._conn = self._connect()
            return work(self._conn)

    def _select(self, table: str, column: str, keys: list[str]) -> list[tuple[str, Any]]:
        """Return the ``(key, column)`` rows of ``table`` for those ``keys`` that are present."""
        def work(conn: sqlite3.Connection) -> list[tuple[str, Any]]:
            rows = []
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                q = f"SELECT key, {column} FROM {table} WHERE key IN ({','.join('?' * len(chunk))})"
                rows.extend(conn.execute(q, chunk).fetchall())
            return rows
        return self._run(work)

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        """Return the stored 3-value arrays for those ``keys`` that are present (a blob of another size is skipped)."""
        out = {}
        for key, blob in self._select("scores", "probs", keys):
            values = _decode(blob)
            if values is not None:
                out[key] = values
        return out

    def get_scores(self, keys: list[str]) -> dict[str, np.ndarray]:
        """Return the cached probabilities for those ``keys`` that are present and valid (:func:`valid_probs`)."""
        return {k: v for k, v in self.get_many(keys).items() if valid_probs(v)}

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        """Store probabilities for each key, replacing what a key held (a rescored bad value is overwritten)."""
        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]

        def work(conn: sqlite3.Connection) -> None:
            with conn:
                conn.executemany("INSERT OR REPLACE INTO scores (key, probs) VALUES (?, ?)", rows)
        self._run(work)

    def get_splits(self, keys: list[str]) -> dict[str, str]:
        """Return the stored sentence spans (JSON text) for those ``keys`` that are present."""
        return {k: v for k, v in self._select("splits", "spans", keys) if isinstance(v, str)}

    def put_splits(self, items: dict[str, str]) -> None:
        """Store sentence spans (JSON text) per key (existing keys are left as they are)."""
        def work(conn: sqlite3.Connection) -> None:
            with conn:
                conn.executemany("INSERT OR IGNORE INTO splits (key, spans) VALUES (?, ?)", list(items.items()))
        self._run(work)

    def __len__(self) -> int:
        """Return the number of stored scores."""
        return int(self._run(lambda conn: conn.execute("SELECT COUNT(*) FROM scores").fetchone()[0]))

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()
