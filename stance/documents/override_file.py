"""The overrides file on disk: rows read one by one (a bad row is named and skipped), a lock, atomic writes.

Reading never fails on the content: the bytes are decoded like a corpus (UTF-8, else
Windows-1252, with a note), and each row is checked on its own — a row with an unknown
label, a missing document id or target, too many cells, or a quote that is never closed is
reported (file and line) and skipped; the rows after an unclosed quote are read again on
their own. Writers take an exclusive lock on ``.<name>.lock`` beside the file for the whole
read-change-write, and replace the file atomically with a normal file (mode 0666 less the
umask, 0644 usually), never a half-written one.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

from stance.io.atomic import atomic_write_bytes
from stance.io.corpus import decode_bytes
from stance.settings import DOC_LABELS

REQUIRED = ("doc_id", "target", "label")
#: How every problem that loses a row ends.
SKIPPED = "row skipped"
#: Seconds a writer waits for another writer's lock before giving up.
LOCK_TIMEOUT = 30.0


def normal_label(value: str) -> str:
    """Return ``value`` as a label name: trimmed, lower case, spaces as underscores (``Not mentioned`` -> ``not_mentioned``)."""
    return "_".join(str(value).strip().lower().split())


def _records(lines: list[str], first: int) -> Iterator[tuple[int, int, list[str] | None, str]]:
    """Yield ``(first line, last line, cells, error)`` for each CSV record of ``lines`` (numbered from ``first``).

    ``cells`` is None, and ``error`` says why, for a record the csv module cannot read (a quote
    never closed, text after a closing quote); reading stops there.
    """
    reader = csv.reader(iter(lines), strict=True)
    last = first - 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            unclosed = "unexpected end of data" in str(exc)
            yield last + 1, first - 1 + len(lines), None, ("a quote opened here is never closed" if unclosed
                                                             else f"not valid CSV ({exc})")
            return
        start, last = last + 1, first - 1 + reader.line_num
        yield start, last, cells, ""


def _check(cells: list[str], header: list[str], where: str) -> tuple[dict | None, str | None]:
    """Return ``(row, None)`` for good ``cells`` under ``header``, else ``(None, problem)`` naming ``where``."""
    if len(cells) > len(header):
        return None, f"{where} has {len(cells)} cells for {len(header)} columns (a comma or quote out of place?)"
    row = dict(zip(header, cells + [""] * (len(header) - len(cells))))
    row["label"] = normal_label(row["label"])
    if not row["doc_id"].strip() or not row["target"].strip():
        return None, f"{where} has no {'doc_id' if not row['doc_id'].strip() else 'target'}"
    if row["label"] not in DOC_LABELS:
        return None, f"{where} has label {cells[header.index('label')].strip()!r}, not one of {', '.join(DOC_LABELS)}"
    return row, None


def parse_rows(data: bytes, path: str | Path) -> tuple[list[dict], list[str]]:
    """Return the good rows of an overrides file's bytes and the problems found, each naming ``path`` and line.

    Rows are dicts with at least ``doc_id, target, label`` (label normalised by
    :func:`normal_label`); blank lines are ignored. A header without the required columns gives
    no rows and one problem. A note that the file is not UTF-8 is a problem too, though no row is
    lost by it (see :func:`rows_lost`). Never raises on the content.
    """
    problems: list[str] = []
    text = decode_bytes(data, str(path), problems)
    lines = list(io.StringIO(text, newline=""))
    if not lines:
        return [], problems
    header = [h.strip() for h in next(csv.reader([lines[0]]), [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [*problems, f"{path}: line 1 (the header) lacks column(s) {', '.join(missing)}; {SKIPPED} (every row)"]
    rows, at = [], 1  # index in ``lines`` of the next record to read
    while at < len(lines):
        restart = None
        for start, end, cells, error in _records(lines[at:], at + 1):
            if cells is None:
                problems.append(f"{path}: line {start}: {error}; {SKIPPED}")
                restart = start  # read the lines after it again, on their own
                break
            if not any(c.strip() for c in cells):
                continue
            row, problem = _check(cells, header, f"{path}: line {start}")
            if problem and end > start:  # a record over several lines: an open quote may have swallowed rows
                problems.append(f"{problem}; {SKIPPED} (lines {start}-{end} read as one row)")
                restart = start
                break
            if problem:
                problems.append(f"{problem}; {SKIPPED}")
            else:
                rows.append(row)
        at = len(lines) if restart is None else restart
    return rows, problems


def rows_lost(problems: list[str]) -> bool:
    """Return whether any of ``problems`` (from :func:`parse_rows`) skipped a row, not only noted the encoding."""
    return any(SKIPPED in p for p in problems)


@contextlib.contextmanager
def locked(path: str | Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive lock on ``.<name>.lock`` beside ``path`` for the ``with`` block (other writers wait).

    Uses ``fcntl.flock`` (``msvcrt.locking`` on Windows); the lock file is never truncated, so its
    time stamp stays put. Raises :class:`TimeoutError` naming the file after ``timeout`` seconds.
    """
    path = Path(path)
    lock = path.with_name(f".{path.name}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _acquire(fd, lock, timeout)
        try:
            yield
        finally:
            _release(fd)
    finally:
        os.close(fd)


def _acquire(fd: int, lock: Path, timeout: float) -> None:
    """Take the exclusive lock on the open lock file ``fd``, polling until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{lock}: another save has held this lock for over {timeout:.0f}s") from None
            time.sleep(0.02)


def _release(fd: int) -> None:
    """Release the lock taken by :func:`_acquire` on ``fd``."""
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def write_atomic(data: bytes, path: str | Path) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`stance.io.atomic.atomic_write_bytes`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
