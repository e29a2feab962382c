"""Ray shards: which documents go together, where a shard's files live, and the work one shard does.

Plain functions (no Ray import): the driver in :mod:`stance.engines.ray` plans, runs and resumes them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stance.settings import SettingsError

if TYPE_CHECKING:
    import pandas as pd

    from stance.io.corpus import Document
    from stance.settings import Settings

#: CPU threads given to each scoring actor when neither ``--workers`` nor ``--threads`` says.
DEFAULT_THREADS_PER_WORKER = 4
#: CPUs reserved by each prepare task: prepare is light next to scoring, so it shares cores.
PREPARE_NUM_CPUS = 0.25
SHARDS_DIR = "_shards"
MANIFEST = "manifest.json"
#: Bump when the shard file layout changes, so old shards are never read as new ones.
SHARD_FORMAT = 1
PROB_COLUMNS = ["p_favor", "p_against", "p_neutral"]
TABLE_KINDS = ("texts", "removed", "scores")  # written in this order; "scores" commits a shard


@dataclass(frozen=True)
class Shard:
    """A run of consecutive documents scored and written together."""

    index: int
    name: str
    doc_ids: tuple[str, ...]


@dataclass
class ShardResult:
    """What one finished shard reports back to the driver (bytes are Parquet files)."""

    name: str
    n_docs: int
    n_pairs: int
    n_scored: int
    n_cached: int
    seconds_prepare: float
    seconds_score: float
    cpu_prepare: float
    cpu_score: float
    tables: dict[str, bytes]


def score_signature(settings: Settings, model_fingerprint: str) -> dict[str, Any]:
    """Return everything that changes a unit or its score (not aggregation knobs)."""
    return {"format": SHARD_FORMAT, "model": model_fingerprint, "templates": dict(settings.templates),
            "targets": {k: list(v) for k, v in settings.targets.items()}, "context": settings.context,
            "max_length": settings.max_length}


def _digest(*parts: str) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode())
        h.update(b"\x1e")
    return h.hexdigest()


def document_to_dict(doc: Document) -> dict[str, Any]:
    """Return ``doc`` as a JSON-able dict (inverse of :func:`document_from_dict`)."""
    return dataclasses.asdict(doc)


def document_from_dict(data: dict[str, Any]) -> Document:
    """Rebuild a :class:`~stance.io.corpus.Document` from :func:`document_to_dict` output."""
    from stance.io.corpus import Document
    return Document(**data)


def plan_shards(documents: Sequence[Document], shard_size: int, signature: dict[str, Any]) -> list[Shard]:
    """Cut ``documents`` into shards of ``shard_size`` named by index and content hash.

    The hash covers the signature and every field of each document except ``origin`` (where
    it was read from), so a copied corpus file resumes but an edited text redoes its shard.
    """
    if shard_size < 1:
        raise SettingsError(f"--shard-size must be at least 1, not {shard_size}")
    sig = json.dumps(signature, sort_keys=True)
    shards = []
    for index, start in enumerate(range(0, len(documents), shard_size)):
        docs = documents[start:start + shard_size]
        digest = _digest(sig, *(json.dumps(document_to_dict(d) | {"origin": ""}, sort_keys=True) for d in docs))
        shards.append(Shard(index, f"shard-{index:06d}-{digest[:16]}", tuple(d.id for d in docs)))
    return shards


def shard_path(shard_dir: Path, name: str, kind: str) -> Path:
    """Return the file of table ``kind`` (texts, removed, scores) of shard ``name``."""
    return shard_dir / f"{name}.{kind}.parquet"


def shard_done(shard_dir: Path, name: str) -> bool:
    """Return True when every table of shard ``name`` is on disk (the run committed it)."""
    return all(shard_path(shard_dir, name, k).is_file() for k in TABLE_KINDS)


@dataclass(frozen=True)
class WorkerPlan:
    """How the scoring actor pool is sized: actors, torch threads and CPUs reserved per actor."""

    workers: int
    threads: int
    cpus: float


def plan_workers(cluster: dict[str, float], node_cpus: float, workers: int | None, gpus_per_worker: float,
                 threads: int) -> WorkerPlan:
    """Size the scoring actor pool for a cluster's resources.

    Without ``workers``: one actor per ``gpus_per_worker`` GPUs, or one per
    :data:`DEFAULT_THREADS_PER_WORKER` CPUs. Threads: ``threads`` when set, else 1 on a GPU
    actor (the model runs on the GPU) or the actor's fair share of CPUs, capped at one node.
    Each actor reserves at most its share of the cluster minus :data:`PREPARE_NUM_CPUS`, so
    the prepare tasks always find a CPU (actors holding every CPU would deadlock the pipeline).
    """
    cpus, gpus = float(cluster.get("CPU", 1)), float(cluster.get("GPU", 0))
    if gpus_per_worker < 0:
        raise SettingsError(f"--gpus-per-worker must be >= 0, not {gpus_per_worker}")
    if gpus_per_worker > 0 and gpus < gpus_per_worker:
        raise SettingsError(f"--gpus-per-worker {gpus_per_worker} but the Ray cluster has {gpus:g} GPU(s)")
    if workers is None:
        workers = int(gpus // gpus_per_worker) if gpus_per_worker > 0 else int(cpus // DEFAULT_THREADS_PER_WORKER)
    workers = max(1, workers)
    if threads <= 0:
        threads = 1 if gpus_per_worker > 0 else int(min(node_cpus, cpus // workers))
    threads = max(1, threads)
    share = (cpus - PREPARE_NUM_CPUS) / workers
    if share <= 0.05:
        raise SettingsError(f"--workers {workers} is more than the Ray cluster's {cpus:g} CPUs can hold")
    return WorkerPlan(workers, threads, round(min(float(threads), share), 3))


def worker_settings(settings: Settings, threads: int, gpus_per_worker: float) -> Settings:
    """Return the settings an actor scores with: its thread count, an absolute cache path,
    and ``device = cpu`` when the actor has no GPU (so CPU actors never crowd GPU 0)."""
    changes: dict[str, Any] = {"threads": threads}
    if settings.cache_dir:
        changes["cache_dir"] = str(Path(settings.cache_dir).expanduser().resolve())
    if gpus_per_worker <= 0 and settings.device == "auto":
        changes["device"] = "cpu"
    return dataclasses.replace(settings, **changes)


# --------------------------------------------------------------------------- shard work


def frame_to_bytes(df: pd.DataFrame) -> bytes:
    """Serialise a table as Parquet bytes (the format of shard files)."""
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def frame_from_bytes(data: bytes) -> pd.DataFrame:
    """Read a table serialised by :func:`frame_to_bytes`."""
    import pandas as pd
    return pd.read_parquet(io.BytesIO(data))


def prepare_shard(row: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Ray task: clean, split and find target sentences of one shard's documents.

    Takes a row ``{"shard", "docs"}`` (documents as JSON); returns ``{"shard", "n_docs",
    "seconds_prepare", "units", "texts", "removed"}`` with the tables as Parquet bytes.
    """
    from stance.engines.local import text_tables, units_frame
    from stance.text.prepare import prepare_document
    from stance.text.targets import build_matchers

    t0, c0 = time.perf_counter(), time.process_time()
    docs = [document_from_dict(d) for d in json.loads(row["docs"])]
    matchers = build_matchers(settings.targets)
    prepared = [prepare_document(d, matchers, settings.context) for d in docs]
    units = units_frame([u for p in prepared for u in p.units])
    texts, removed = text_tables(prepared)
    return {"shard": row["shard"], "n_docs": len(docs), "seconds_prepare": time.perf_counter() - t0,
            "cpu_prepare": time.process_time() - c0,
            "units": frame_to_bytes(units), "texts": frame_to_bytes(texts), "removed": frame_to_bytes(removed)}


class ShardScorer:
    """Ray actor: loads the NLI model once and scores whole shards through the score cache."""

    def __init__(self, settings: Settings):
        from stance.scoring.scorer import Scorer
        self.scorer = Scorer(settings)
        _ = self.scorer.model  # load now, once per actor, not inside the first shard

    def score_shard(self, row: dict[str, Any]) -> dict[str, Any]:
        """Score one prepared shard; returns its result row (scores table as Parquet bytes)."""
        units = frame_from_bytes(row["units"])
        before = dict(self.scorer.stats)
        t0, c0 = time.perf_counter(), time.process_time()
        probs = self.scorer.score(units["premise"].tolist(), units["target"].tolist())
        scores = units.assign(**{c: probs[:, i] for i, c in enumerate(PROB_COLUMNS)})
        stats = {k: self.scorer.stats[k] - before[k] for k in ("pairs", "scored", "cached")}
        return {"shard": row["shard"], "n_docs": int(row["n_docs"]), "n_pairs": int(stats["pairs"]),
                "n_scored": int(stats["scored"]), "n_cached": int(stats["cached"]),
                "seconds_prepare": float(row["seconds_prepare"]), "seconds_score": time.perf_counter() - t0,
                "cpu_prepare": float(row["cpu_prepare"]), "cpu_score": time.process_time() - c0,
                "texts": row["texts"], "removed": row["removed"], "scores": frame_to_bytes(scores)}

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Ray Data entry point: score every shard (row) of ``batch``."""
        import pandas as pd
        return pd.DataFrame([self.score_shard(row) for row in batch.to_dict("records")])


def shard_result(row: dict[str, Any]) -> ShardResult:
    """Turn a result row of the scoring stage into a :class:`ShardResult`."""
    return ShardResult(str(row["shard"]), int(row["n_docs"]), int(row["n_pairs"]), int(row["n_scored"]),
                       int(row["n_cached"]), float(row["seconds_prepare"]), float(row["seconds_score"]),
                       float(row["cpu_prepare"]), float(row["cpu_score"]), {k: bytes(row[k]) for k in TABLE_KINDS})


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the whole file or none of it (tmp + fsync + rename)."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_shard(shard_dir: Path, result: ShardResult) -> None:
    """Write a finished shard's tables; the scores file goes last and commits the shard."""
    for kind in TABLE_KINDS:
        atomic_write(shard_path(shard_dir, result.name, kind), result.tables[kind])


def start_shard_dir(out: Path, shards: list[Shard], signature: dict[str, Any], shard_size: int) -> Path:
    """Create ``out/_shards``, write its manifest and delete files of shards not in this plan
    (other settings or documents, and temporary files an interrupted write left behind)."""
    shard_dir = out / SHARDS_DIR
    shard_dir.mkdir(parents=True, exist_ok=True)
    planned = {s.name for s in shards}
    for f in shard_dir.iterdir():
        if ".tmp-" in f.name or (f.name != MANIFEST and f.name.split(".", 1)[0] not in planned):
            f.unlink()
    manifest = {"signature": signature, "shard_size": shard_size, "documents": sum(len(s.doc_ids) for s in shards),
                "shards": [{"name": s.name, "first_doc": s.doc_ids[0], "n_docs": len(s.doc_ids)} for s in shards]}
    atomic_write(shard_dir / MANIFEST, (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode())
    return shard_dir
