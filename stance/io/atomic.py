"""Atomic writes: a file or a whole folder appears complete or not at all (temp beside it + rename).

A file is written to a temporary name in its own folder, flushed to disk and renamed over the
target (``os.replace``). A folder is built as a hidden temporary folder beside the target and
swapped in by rename: on Linux both folders are exchanged in one step (``renameat2`` with
``RENAME_EXCHANGE``); elsewhere the old folder is renamed aside first and put back if the second
rename fails. Leftovers of a killed process (hidden ``.<name>.stance-tmp-<pid>-...`` folders)
are removed by the next write to the same target once that process is gone.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

TEMP_MARK = ".stance-tmp-"
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries (renames), to disk; best effort where the platform refuses; returns nothing."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    Takes the target path (its folder must exist) and the bytes; returns the path. Readers see the
    old file or the whole new one, never a part; the temporary file is removed on any failure.
    """
    path = Path(path)
    # created like any new file (0666 less the umask), not mkstemp's 0600: others may read results
    tmp = path.with_name(f".{path.name}{TEMP_MARK}{uuid.uuid4().hex}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write_bytes`); returns the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


def clean_leftovers(dest: Path) -> list[Path]:
    """Remove temporary folders a killed writer left beside ``dest`` (only those whose process is gone).

    Takes the target folder; returns the paths removed. An old folder renamed aside by a writer
    killed before it put the new one in place (no ``renameat2``) is put back at ``dest`` instead.
    """
    removed = []
    if not dest.parent.is_dir():
        return removed
    for p in sorted(dest.parent.glob(f".{dest.name}{TEMP_MARK}*")):
        pid = p.name[len(f".{dest.name}{TEMP_MARK}"):].split("-", 1)[0]
        if not pid.isdigit() or _pid_alive(int(pid)) or not p.is_dir():
            continue
        if "-old-" in p.name and not dest.exists():
            os.rename(p, dest)
        else:
            shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def temp_folder_beside(dest: Path) -> Path:
    """Create and return an empty hidden folder beside ``dest`` (same file system, so a rename can swap it in)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{dest.name}{TEMP_MARK}{os.getpid()}-", dir=dest.parent))


def keep_entries(old: Path, new: Path, skip: set[str]) -> list[str]:
    """Hard-link (or copy) into folder ``new`` every entry of folder ``old`` not named in ``skip``.

    Takes the folder about to be replaced, the one replacing it and the names to leave behind
    (temporary entries are always left); returns the names kept. Links cost no space and keep
    modification times; sub-folders are rebuilt, symbolic links copied as links.
    """
    kept = []
    for entry in old.iterdir():
        if entry.name in skip or TEMP_MARK in entry.name:
            continue
        target = new / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), target)
        elif entry.is_dir():
            shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, target)
        kept.append(entry.name)
    return kept


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux ``renameat2``); returns False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def swap_in_folder(new: Path, dest: Path) -> None:
    """Put the folder ``new`` at ``dest`` by rename, replacing an existing ``dest`` as a whole.

    Takes the finished temporary folder (beside ``dest``) and the target; returns nothing. The
    old folder is deleted after the swap. At every moment ``dest`` is the old folder or the new
    one (on Linux; elsewhere it is briefly absent between two renames), never a mixture.
    """
    if not dest.exists() and not dest.is_symlink():
        os.rename(new, dest)
    elif _exchange(new, dest):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now names the old folder
    else:
        old = dest.with_name(f".{dest.name}{TEMP_MARK}{os.getpid()}-old-{uuid.uuid4().hex[:8]}")
        os.rename(dest, old)
        try:
            os.rename(new, dest)
        except BaseException:
            os.rename(old, dest)
            raise
        shutil.rmtree(old, ignore_errors=True)
    fsync_path(dest.parent)

