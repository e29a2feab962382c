"""Label a large corpus on Ray with the local engine's code and the local engine's results.

One Ray Data pipeline, one row per *shard* (``shard_size`` consecutive documents):

1. the driver loads the corpus, cuts it into shards and skips every shard whose files
   already exist under ``OUT/_shards/`` (so an interrupted run resumes where it stopped);
2. :func:`prepare_shard` runs in Ray tasks: clean, split and match targets with
   :func:`stance.text.prepare.prepare_document`, exactly as the local engine;
3. :class:`ShardScorer` runs in an actor pool (``concurrency=workers``, ``num_gpus`` per
   actor when asked): each actor loads the model once and scores units through
   :class:`stance.scoring.scorer.Scorer` (same score cache, same numbers);
4. the driver writes each finished shard atomically (temporary file + rename):
   ``NAME.texts.parquet``, ``NAME.removed.parquet`` and last ``NAME.scores.parquet``, whose
   presence marks the shard done;
5. the driver reads every shard back in corpus order and runs
   :func:`stance.engines.local.sentence_table` and :func:`stance.engines.local.build_tables`, the
   aggregation every engine shares, then writes the tables with
   :func:`stance.io.export.write_results`.

A shard's name carries a hash of its documents and of everything that changes a score
(model fingerprint, templates, targets, context, max length), so a resumed run never
reuses a shard scored under other settings, and an edited document redoes only its shard.

Ray is optional (``pip install -r requirements-ray.txt``): this module imports it only
inside the functions that need it, so the CLI can register the flags without it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stance.engines.shards import (
    DEFAULT_THREADS_PER_WORKER,
    PREPARE_NUM_CPUS,
    PROB_COLUMNS,
    TABLE_KINDS,
    Shard,
    ShardResult,
    ShardScorer,
    WorkerPlan,
    document_to_dict,
    plan_shards,
    plan_workers,
    prepare_shard,
    score_signature,
    shard_done,
    shard_path,
    shard_result,
    start_shard_dir,
    worker_settings,
    write_shard,
)
from stance.settings import PACKAGE_DIR, SettingsError

if TYPE_CHECKING:
    import pandas as pd

    from stance.documents.fitted import FittedParts
    from stance.engines.local import Results
    from stance.io.corpus import Corpus
    from stance.settings import Settings

INSTALL_HINT = "pip install -r requirements-ray.txt"
#: Documents per shard: a Ray task and a Parquet file each. 64 keeps per-shard overhead
#: (a task, three small files) well under the shard's scoring time on one CPU core.
DEFAULT_SHARD_SIZE = 64


# --------------------------------------------------------------------------- availability


def require_ray() -> Any:
    """Import and return ``ray``; raise :class:`SettingsError` with the install command if missing."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise SettingsError(f"--engine ray needs the optional 'ray' package ({exc}); install it with: {INSTALL_HINT}") from exc
    return ray


def worker_runtime_env(address: str | None) -> dict[str, Any]:
    """Return the runtime env that lets Ray workers import :mod:`stance`.

    A local instance shares this file system, so ``PYTHONPATH`` is enough; a remote
    cluster (``address`` given) gets the package uploaded with ``py_modules``.
    """
    if address:
        return {"py_modules": [str(PACKAGE_DIR)]}
    paths = [str(PACKAGE_DIR.parent), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {"env_vars": {"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}}


def init_ray(address: str | None = None, num_cpus: int | None = None, quiet: bool = True) -> bool:
    """Connect to Ray unless already connected; return True when this call connected.

    ``address`` (or ``$RAY_ADDRESS``) names an existing cluster (``ray://head:10001`` or
    ``auto``); without one a local instance is started with ``num_cpus`` CPUs (default:
    all), no dashboard and quiet logs.
    """
    ray = require_ray()
    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS") or None
    kwargs: dict[str, Any] = {"runtime_env": worker_runtime_env(address), "log_to_driver": not quiet}
    if quiet:
        import logging
        kwargs["logging_level"] = logging.WARNING
    if address:
        ray.init(address=address, **kwargs)
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False, **kwargs)
    return True


@contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None, quiet: bool = True) -> Iterator[Any]:
    """Context manager around :func:`init_ray`: shuts Ray down on exit only if it started it."""
    started = init_ray(address, num_cpus, quiet)
    ray = require_ray()
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


# --------------------------------------------------------------------------- running


def run_shards(ray: Any, items: list[dict[str, Any]], settings: Settings, plan: WorkerPlan,
               gpus_per_worker: float) -> Iterator[ShardResult]:
    """Run prepare tasks and the scoring actor pool over ``items``; yield shards as they finish."""
    import logging
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # our own bar counts shards
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ds = ray.data.from_items(items, override_num_blocks=max(1, len(items)))
    ds = ds.map(prepare_shard, fn_kwargs={"settings": settings}, num_cpus=PREPARE_NUM_CPUS)
    ds = ds.map_batches(ShardScorer, fn_constructor_kwargs={"settings": settings}, batch_size=1,
                        batch_format="pandas", compute=ray.data.ActorPoolStrategy(size=plan.workers), num_cpus=plan.cpus,
                        num_gpus=gpus_per_worker or None)
    for row in ds.iter_rows():
        yield shard_result(row)


def read_shards(shard_dir: Path, shards: list[Shard]) -> dict[str, pd.DataFrame]:
    """Read every shard back in corpus order; returns the concatenated texts, removed and scores."""
    import pandas as pd
    out = {}
    for kind in TABLE_KINDS:
        frames = [pd.read_parquet(shard_path(shard_dir, s.name, kind)) for s in shards]
        full = [f for f in frames if len(f)]
        out[kind] = pd.concat(full, ignore_index=True) if full else frames[0] if frames else pd.DataFrame()
    return out


def assemble_results(corpus: Corpus, tables: dict[str, pd.DataFrame], settings: Settings,
                     parts: FittedParts | None = None) -> Results:
    """Build :class:`Results` from shard tables with the local engine's own functions.

    ``parts`` are the fitted head and calibrator the run uses (resolved once, as in
    :func:`stance.engines.local.label_corpus`).
    """
    from stance.engines.local import SENTENCE_COLUMNS, build_tables, sentence_table, text_tables, units_frame

    scores = tables["scores"]
    unit_cols = list(units_frame([]).columns)
    if not len(scores):
        scores = units_frame([]).assign(**{c: [] for c in PROB_COLUMNS})
    sentences = sentence_table(scores[unit_cols], scores[PROB_COLUMNS].to_numpy(), settings)
    results = build_tables(corpus, [], sentences[SENTENCE_COLUMNS], settings, parts)
    empty_texts, empty_removed = text_tables([])
    results.texts = tables["texts"] if len(tables["texts"]) else empty_texts
    results.removed = tables["removed"] if len(tables["removed"]) else empty_removed
    return results


def _load(corpus_or_path: str | Path | Corpus) -> Corpus:
    from stance.io.corpus import Corpus, load_corpus
    return corpus_or_path if isinstance(corpus_or_path, Corpus) else load_corpus(corpus_or_path)


def _cluster_shape(ray: Any) -> tuple[dict[str, float], float]:
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    node_cpus = max((n["Resources"].get("CPU", 0) for n in nodes), default=1)
    return ray.cluster_resources(), node_cpus


def label_with_ray(corpus_path: str | Path | Corpus, settings: Settings, out: str | Path, address: str | None = None,
                   workers: int | None = None, gpus_per_worker: float = 0.0, shard_size: int = DEFAULT_SHARD_SIZE,
                   progress: bool = True, formats: Sequence[str] = ("csv",),
                   on_shard: Callable[[ShardResult], None] | None = None) -> Results:
    """Label a corpus on Ray and return the same :class:`Results` as the local engine.

    Takes a corpus path (or a loaded :class:`~stance.io.corpus.Corpus`), :class:`Settings`, the
    output folder ``out`` (shards go to ``out/_shards``; tables are written there in
    ``formats``, none when empty), the cluster ``address`` (default ``$RAY_ADDRESS``, else
    a local instance; an already initialised Ray is reused), the number of scoring actors
    ``workers`` and ``gpus_per_worker``. Finished shards of an earlier run with the same
    documents and score settings are reused. ``on_shard`` is called after each shard is
    written (for progress or tests). Raises :class:`SettingsError` when ray is missing.
    """
    from stance.documents.fitted import resolve
    from stance.engines.local import run_record
    from stance.io.export import write_results
    from stance.scoring.nli import model_fingerprint

    t0 = time.perf_counter()
    ray = require_ray()
    corpus = _load(corpus_path)
    out = Path(out)
    model = settings.resolved_model()
    signature = score_signature(settings, model_fingerprint(model))
    shards = plan_shards(corpus.documents, shard_size, signature)
    shard_dir = start_shard_dir(out, shards, signature, shard_size)
    todo = [s for s in shards if not shard_done(shard_dir, s.name)]
    docs = {d.id: d for d in corpus.documents}
    totals = {"pairs": 0, "scored": 0, "cached": 0, "prepare": 0.0, "cpu_prepare": 0.0, "cpu_score": 0.0}
    with ray_session(address, quiet=True):
        cluster, node_cpus = _cluster_shape(ray)
        plan = plan_workers(cluster, node_cpus, workers, gpus_per_worker, settings.threads)
        wsettings = dataclasses.replace(worker_settings(settings, plan.threads, gpus_per_worker), model=model)
        items = [{"shard": s.name, "docs": json.dumps([document_to_dict(docs[i]) for i in s.doc_ids])} for s in todo]
        n_docs_todo = sum(len(s.doc_ids) for s in todo)
        bar = _progress_bar(progress, len(corpus.documents), len(corpus.documents) - n_docs_todo)
        t_ray = time.perf_counter()
        for result in (run_shards(ray, items, wsettings, plan, gpus_per_worker) if items else []):
            write_shard(shard_dir, result)
            totals["pairs"] += result.n_pairs
            totals["scored"] += result.n_scored
            totals["cached"] += result.n_cached
            totals["prepare"] += result.seconds_prepare
            totals["cpu_prepare"] += result.cpu_prepare
            totals["cpu_score"] += result.cpu_score
            if bar is not None:
                bar.update(result.n_docs)
            if on_shard is not None:
                on_shard(result)
        t_ray = time.perf_counter() - t_ray
        ray_version = ray.__version__
    if bar is not None:
        bar.close()
    missing = [s.name for s in shards if not shard_done(shard_dir, s.name)]
    if missing:
        raise RuntimeError(f"{len(missing)} shard(s) did not finish (first: {missing[0]}); run the same command again to resume")
    tables = read_shards(shard_dir, shards)
    parts = resolve(settings, signature["model"], model)
    results = assemble_results(corpus, tables, settings, parts)
    if settings.reader == "document" and len(results.sentences):
        # the passages are read on the driver: one long pair per mentioned cell, few next to the sentences
        from stance.engines.local import build_tables, score_passages
        from stance.scoring.scorer import Scorer

        passages = score_passages(Scorer(dataclasses.replace(settings, model=model)), results.texts,
                                  results.sentences, settings)
        rebuilt = build_tables(corpus, [], results.sentences, settings, parts, passages)
        results.documents, results.sources = rebuilt.documents, rebuilt.sources
    results.run = run_record(corpus, settings, model, signature["model"], parts, {
        "sentences": int(results.texts["n_sentences_total"].sum()) if len(results.texts) else 0,
        "target_sentences": len(results.sentences), "pairs_cached": totals["cached"], "pairs_scored": totals["scored"],
        "seconds_prepare": totals["prepare"], "seconds_total": time.perf_counter() - t0},
        engine="ray", ray_version=ray_version, workers=plan.workers, threads_per_worker=plan.threads,
        gpus_per_worker=gpus_per_worker, shard_size=shard_size, shards=len(shards),
        shards_resumed=len(shards) - len(todo), seconds_ray=round(t_ray, 2),
        cpu_seconds_prepare=round(totals["cpu_prepare"], 2), cpu_seconds_score=round(totals["cpu_score"], 2))
    if formats:
        write_results(results, out, list(formats))
    return results


def _progress_bar(enabled: bool, total: int, done: int) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, initial=done, unit="doc", desc="ray shards", leave=False)


# --------------------------------------------------------------------------- CLI


def add_ray_flags(parser: argparse.ArgumentParser) -> None:
    """Add the ``--engine ray`` flags (address, workers, GPUs, shard size) to ``parser``."""
    g = parser.add_argument_group(f"ray engine (--engine ray; needs {INSTALL_HINT})")
    g.add_argument("--address", help="Ray cluster to use, e.g. ray://head:10001 or auto "
                   "(default: $RAY_ADDRESS, else a local Ray)")
    g.add_argument("--workers", type=int, help="scoring actors (default: one per GPU share, or one per "
                   f"{DEFAULT_THREADS_PER_WORKER} CPUs)")
    g.add_argument("--gpus-per-worker", type=float, default=0.0, help="GPUs per scoring actor, e.g. 1 or 0.5 (default 0: CPU)")
    g.add_argument("--shard-size", type=int, default=DEFAULT_SHARD_SIZE,
                   help=f"documents per shard, the unit of work and of resume (default {DEFAULT_SHARD_SIZE})")


def label_from_args(corpus: Corpus, settings: Settings, args: argparse.Namespace) -> Results:
    """Run :func:`label_with_ray` with the CLI's parsed flags (the caller writes the tables)."""
    return label_with_ray(corpus, settings, args.out, address=args.address, workers=args.workers,
                          gpus_per_worker=args.gpus_per_worker, shard_size=args.shard_size,
                          progress=not args.quiet, formats=())


# --------------------------------------------------------------------------- checking
