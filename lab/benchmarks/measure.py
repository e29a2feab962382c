"""What a benchmark measures a path with: wall time, CPU time, NLI passes, peak memory.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


def _proc_status_kib(key: str) -> int:
    """Return a ``/proc/self/status`` value in KiB (0 where /proc is unavailable)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc ``malloc_trim``).

    Without this, RSS stays at the previous path's high-water mark (glibc keeps freed
    memory), so every later path would inherit its predecessor's peak.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: figures are then upper bounds
        pass


def reset_peak_rss() -> bool:
    """Reset the process's RSS high-water mark (Linux ≥ 4.0); return False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float:
    """Return the RSS high-water mark in MiB (since the last reset)."""
    return round(_proc_status_kib("VmHWM") / 1024, 1)


def rss_mib() -> float:
    """Return the current RSS in MiB."""
    return round(_proc_status_kib("VmRSS") / 1024, 1)



@dataclass
class Timing:
    """One timed path: how much it did, how long it took and its peak memory."""

    path: str
    documents: int
    seconds: float
    nli_passes: int
    target_sentences: int | None = None
    peak_rss_mib: float = 0.0
    cpu_seconds: float | None = None
    seconds_prepare: float | None = None
    seconds_model: float | None = None

    @property
    def docs_per_s(self) -> float:
        """Documents per second."""
        return self.documents / self.seconds if self.seconds else float("inf")

    @property
    def passes_per_s(self) -> float:
        """NLI passes (premise/hypothesis pairs through the model) per second."""
        return self.nli_passes / self.seconds if self.seconds else float("inf")

    def as_dict(self) -> dict:
        """Return the fields plus the derived rates, rounded for the JSON record."""
        d = asdict(self)
        d["seconds"] = round(self.seconds, 3)
        d["cpu_seconds"] = None if self.cpu_seconds is None else round(self.cpu_seconds, 3)
        d["docs_per_s"] = round(self.docs_per_s, 3)
        d["passes_per_s"] = round(self.passes_per_s, 1)
        return d


def timed(path: str, fn: Callable[[], tuple[int, int, int | None, dict]]) -> Timing:
    """Run ``fn`` (returning docs, passes, target sentences, extras) and time it with its peak RSS.

    CPU seconds (all threads of this process) are kept beside wall seconds because on a
    shared machine wall time also measures the neighbours.
    """
    release_memory()
    reset_peak_rss()
    t0, c0 = time.perf_counter(), time.process_time()
    docs, passes, units, extra = fn()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    # progress on stderr: a full run takes many minutes and prints its table only at the end
    print(f"  {path}: {docs} docs in {seconds:.1f}s", file=sys.stderr, flush=True)
    return Timing(path, docs, seconds, passes, units, peak_rss_mib(), cpu, **extra)


# --------------------------------------------------------------------------- the two paths
