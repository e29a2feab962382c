"""Benchmark the engine against the naive zero-shot approach, on the same model and texts.

``python -m lab bench [--docs 500] [--naive-docs 30] [--growth 100,500,2000] [--profile 50]``

Paths timed, all in one process with the model loaded once (load time reported apart):

(a) **naive** — what most demos do: transformers' ``pipeline("zero-shot-classification")``
    called per document per target with the full raw text, ``hypothesis_template`` and
    candidate labels built from our templates (``"The author is {}."`` with
    ``"in favor of Iran"``, ``"against Iran"``, ``"neutral about Iran"``). It is slow, so it
    runs on a sample (``--naive-docs``, the first documents of the main sample) and its
    rates are per document. Note that it reads only the first 512 tokens of each article
    (the pipeline truncates); the figure ``naive_text_read`` says how much that is.
(b) **ours, cold** — :func:`stance.engines.local.label_corpus` with a fresh empty score cache:
    cleaning, sentence splitting, target filtering, dedup, length-sorted batching. Run on
    the naive sample (same texts, for the ratio) and on ``--docs`` documents.
(c) **ours, warm** — the same ``--docs`` again with the cache filled (a re-run).

"NLI passes" are premise/hypothesis pairs through the model (3 per scored sentence and
target). Peak memory is the process's RSS high-water mark (``/proc/self/status`` VmHWM),
reset before each path when the kernel allows it after freed memory is handed back to the
OS; it includes the loaded model and the sampled documents (``rss_after_load_mib``).

``--backend int8`` also runs (b) with int8 dynamic quantisation of the Linear layers
(``torch.ao.quantization.quantize_dynamic``) and reports its speed next to its agreement
with fp32 (sentence argmax and document labels). ``--quick`` (3 documents, 2 for the
naive path, no file written) checks that everything runs; its timings mean nothing.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import io
import json
import os
import platform
import pstats
import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from lab.benchmarks.measure import Timing, release_memory, reset_peak_rss, rss_mib, timed
from stance.cli.flags import add_settings_flags, settings_from_args
from stance.engines.local import Results, label_corpus
from stance.io.corpus import Corpus, Document, load_corpus
from stance.scoring.nli import NLIModel, load_nli_model
from stance.scoring.scorer import Scorer
from stance.settings import STANCES, Settings

DEFAULT_CORPUS = "corpus/allsides"
DEFAULT_OUT = "lab/results/bench.json"

# --------------------------------------------------------------------------- memory

def sample_documents(corpus: Corpus, n: int, seed: int = 0) -> list[Document]:
    """Return ``n`` documents in a seeded random order; smaller samples are prefixes of larger ones."""
    docs = list(corpus.documents)
    random.Random(seed).shuffle(docs)
    return docs[:n]


def naive_template(templates: dict[str, str]) -> tuple[str, list[str]]:
    """Split our templates into a pipeline ``hypothesis_template`` and per-stance label patterns.

    ``"The author is in favor of {target}."`` etc. become ``"The author is {}."`` and
    ``["in favor of {target}", "against {target}", "neutral about {target}"]``, so
    ``template.format(label)`` is exactly our hypothesis.
    """
    texts = [templates[s] for s in STANCES]
    prefix = os.path.commonprefix(texts)
    prefix = prefix[: prefix.rfind(" ") + 1] if " " in prefix else ""  # cut at a word boundary
    suffix = os.path.commonprefix([t[::-1] for t in texts])[::-1]
    suffix = suffix[suffix.find("{target}") + len("{target}"):] if "{target}" in suffix else suffix
    labels = [t[len(prefix): len(t) - len(suffix)] for t in texts]
    template = prefix.replace("{", "{{").replace("}", "}}") + "{}" + suffix.replace("{", "{{").replace("}", "}}")
    return template, labels


def make_zero_shot(nli: NLIModel):
    """Return a transformers zero-shot-classification pipeline on the already-loaded model."""
    from transformers import pipeline

    tokenizer = nli.tokenizer
    limit = getattr(nli.model.config, "max_position_embeddings", None)
    if limit and tokenizer.model_max_length > limit:
        # a tokenizer saved without model_max_length would not truncate and the model would crash
        tokenizer = copy.deepcopy(tokenizer)
        tokenizer.model_max_length = limit
    return pipeline("zero-shot-classification", model=nli.model, tokenizer=tokenizer, device=nli.device)


def naive_scores(clf, text: str, target: str, template: str, labels: list[str]) -> np.ndarray:
    """Return p(favor), p(against), p(neutral) of ``text`` toward ``target`` from the pipeline."""
    names = [lab.format(target=target) for lab in labels]
    out = clf(text, candidate_labels=names, hypothesis_template=template, multi_label=False)
    by_label = dict(zip(out["labels"], out["scores"]))
    return np.array([by_label[n] for n in names], dtype=np.float32)


def run_naive(clf, docs: list[Document], settings: Settings) -> Timing:
    """Time the naive path: one pipeline call per document per target on the full text."""
    template, labels = naive_template(settings.templates)

    def work():
        for doc in docs:
            for target in settings.targets:
                naive_scores(clf, doc.text, target, template, labels)
        return len(docs), len(docs) * len(settings.targets) * len(labels), None, {}
    return timed("naive pipeline (a)", work)


def run_ours(nli: NLIModel, docs: list[Document], settings: Settings, cache_dir: str | Path,
             path: str) -> tuple[Timing, Results]:
    """Time :func:`label_corpus` on ``docs`` with the score cache in ``cache_dir``."""
    s = replace(settings, cache_dir=str(cache_dir))
    box: dict[str, Results] = {}

    def work():
        scorer = Scorer(s, model=nli)
        res = label_corpus(Corpus(docs, [], name="bench"), s, scorer=scorer)
        box["res"] = res
        extra = {"seconds_prepare": res.run["seconds_prepare"], "seconds_model": round(scorer.stats["model_seconds"], 3)}
        return len(docs), int(scorer.stats["scored"]) * len(STANCES), len(res.sentences), extra
    timing = timed(path, work)
    return timing, box["res"]


def run_ours_cold(nli: NLIModel, docs: list[Document], settings: Settings, path: str) -> tuple[Timing, Results]:
    """Run :func:`run_ours` with a fresh, empty cache that is deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="stance-bench-") as tmp:
        return run_ours(nli, docs, settings, tmp, path)


# --------------------------------------------------------------------------- checks

def naive_text_read(nli: NLIModel, docs: list[Document], max_tokens: int = 512) -> float:
    """Return the mean share of each document's tokens that fits in the pipeline's window."""
    shares = []
    for d in docs:
        n = len(nli.tokenizer(d.text, add_special_tokens=False, verbose=False)["input_ids"])
        shares.append(min(1.0, (max_tokens - 16) / n) if n else 1.0)  # ~16 tokens go to the hypothesis
    return round(float(np.mean(shares)), 3) if shares else 1.0


def equivalence(clf, nli: NLIModel, sentences, settings: Settings, n: int = 5) -> float:
    """Return the max |p_naive - p_ours| on ``n`` premises: both paths must score the same thing."""
    template, labels = naive_template(settings.templates)
    rows = sentences.head(n)
    worst = 0.0
    for r in rows.itertuples():
        hyps = [settings.templates[s].format(target=r.target) for s in STANCES]
        ours = nli.stance_probs([r.premise], [hyps])[0]
        worst = max(worst, float(np.abs(ours - naive_scores(clf, r.premise, r.target, template, labels)).max()))
    return worst


def agreement(base: Results, other: Results) -> dict:
    """Compare two labellings of the same documents: sentence argmax, doc labels, |Δp|."""
    key = ["doc_id", "target", "sent_idx"]
    m = base.sentences.merge(other.sentences, on=key, suffixes=("", "_o"))
    cols = ["p_favor", "p_against", "p_neutral"]
    a = m[cols].to_numpy()
    b = m[[c + "_o" for c in cols]].to_numpy()
    d = base.documents.merge(other.documents, on=["doc_id", "target"], suffixes=("", "_o"))
    return {"sentence_pairs": len(m), "sentence_argmax_agreement": round(float((a.argmax(1) == b.argmax(1)).mean()), 4),
            "mean_abs_prob_diff": round(float(np.abs(a - b).mean()), 4),
            "max_abs_prob_diff": round(float(np.abs(a - b).max()), 4),
            "document_pairs": len(d), "document_label_agreement": round(float((d["label"] == d["label_o"]).mean()), 4)}


def quantize_int8(nli: NLIModel) -> NLIModel:
    """Return a copy of ``nli`` with int8 dynamic quantisation of its Linear layers (CPU only)."""
    q = torch.ao.quantization.quantize_dynamic(copy.deepcopy(nli.model).cpu(), {torch.nn.Linear}, dtype=torch.qint8)
    return replace(nli, model=q, device=torch.device("cpu"), fingerprint=f"{nli.fingerprint}-int8")


# --------------------------------------------------------------------------- profile

def profile_ours(nli: NLIModel, docs: list[Document], settings: Settings, top: int = 15,
                 dump: Path | None = None) -> dict[str, list[dict]]:
    """cProfile a cold run of our path; return the top entries by own time and cumulative time."""
    prof = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="stance-prof-") as tmp:
        s = replace(settings, cache_dir=tmp)
        prof.runcall(label_corpus, Corpus(docs, [], name="profile"), s, Scorer(s, model=nli))
    if dump:
        prof.dump_stats(dump)
    stats = pstats.Stats(prof, stream=io.StringIO())
    total = max((v[3] for v in stats.stats.values()), default=1.0)  # the outermost cumulative time

    def rows(sort: int) -> list[dict]:
        items = sorted(stats.stats.items(), key=lambda kv: kv[1][sort], reverse=True)[:top]
        return [{"function": f"{Path(f).name}:{line}({name})", "calls": v[1], "own_s": round(v[2], 3),
                 "cumulative_s": round(v[3], 3), "share_of_total": round(v[3] / total, 3)}
                for (f, line, name), v in items]
    return {"total_s": round(total, 3), "by_own_time": rows(2), "by_cumulative": rows(3)}


# --------------------------------------------------------------------------- report

def format_table(timings: list[Timing]) -> str:
    """Render timings as an aligned text table."""
    head = (f"{'path':<28}{'docs':>6}{'seconds':>10}{'CPU s':>9}{'docs/s':>9}{'NLI passes':>12}{'passes/s':>10}"
            f"{'target sents':>14}{'peak RSS MiB':>14}")
    lines = [head]
    for t in timings:
        units = "-" if t.target_sentences is None else str(t.target_sentences)
        cpu = "-" if t.cpu_seconds is None else f"{t.cpu_seconds:.1f}"
        lines.append(f"{t.path:<28}{t.documents:>6}{t.seconds:>10.2f}{cpu:>9}{t.docs_per_s:>9.2f}{t.nli_passes:>12}"
                     f"{t.passes_per_s:>10.1f}{units:>14}{t.peak_rss_mib:>14.0f}")
    return "\n".join(lines)


def format_profile(prof: dict, n: int = 10) -> str:
    """Render the profile's top entries by own time."""
    lines = [f"profile of ours (cold), {prof['total_s']:.1f}s total; top by own time:"]
    lines += [f"  {r['own_s']:>8.2f}s own {r['cumulative_s']:>8.2f}s cum {r['calls']:>8} calls  {r['function']}"
              for r in prof["by_own_time"][:n]]
    return "\n".join(lines)


def _loadavg() -> float | None:
    """Return the 1-minute load average (None where the OS has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def run_bench(args: argparse.Namespace) -> dict:
    """Run the benchmark described by ``args`` and return the record (also printed)."""
    if args.quick:
        args.docs, args.naive_docs, args.growth, args.profile = 3, min(args.naive_docs, 2), "", 0
    settings = settings_from_args(args)
    corpus = load_corpus(args.corpus)
    corpus_size, growth = len(corpus.documents), _ints(args.growth or "")
    # every sample is a prefix of one shuffled order; keep that and let the corpus go so
    # its ~300 MB of Python objects do not sit under every memory figure
    pool = sample_documents(corpus, max([args.docs, *growth]), args.seed)
    del corpus
    main_docs = pool[: args.docs]
    naive_docs = main_docs[: args.naive_docs]
    release_memory()
    t0 = time.perf_counter()
    nli = load_nli_model(settings.resolved_model(), settings.device, settings.max_length, settings.threads)
    record: dict = {
        "model": nli.name, "model_fingerprint": nli.fingerprint, "device": str(nli.device),
        "threads": torch.get_num_threads(), "batch_size": settings.batch_size, "max_length": settings.max_length,
        "corpus": args.corpus, "corpus_documents": corpus_size, "seed": args.seed,
        "targets": list(settings.targets), "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
        "torch": torch.__version__, "load_seconds": round(time.perf_counter() - t0, 2), "rss_after_load_mib": rss_mib(),
        "quick": bool(args.quick), "peak_rss_resettable": reset_peak_rss(),
        "loadavg_start": _loadavg(),  # a busy machine slows every path; see cpu_seconds
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),  # PASSIVE helps a lot on a shared CPU
    }
    timings: list[Timing] = []
    if naive_docs:
        clf = make_zero_shot(nli)
        naive = run_naive(clf, naive_docs, settings)
        same, same_res = run_ours_cold(nli, naive_docs, settings, "ours cold, same docs (b)")
        timings += [naive, same]
        record["naive_text_read"] = naive_text_read(nli, naive_docs)
        record["equivalence_max_abs_diff"] = equivalence(clf, nli, same_res.sentences, settings)
        record["ratio_b_over_a_same_docs"] = round(same.docs_per_s / naive.docs_per_s, 2)
    with tempfile.TemporaryDirectory(prefix="stance-bench-") as cache:
        cold, cold_res = run_ours(nli, main_docs, settings, cache, "ours cold (b)")
        warm, _ = run_ours(nli, main_docs, settings, cache, "ours warm (c)")
    timings += [cold, warm]
    if naive_docs:
        record["ratio_b_over_a"] = round(cold.docs_per_s / naive.docs_per_s, 2)
    record["warm_share_of_cold"] = round(warm.seconds / cold.seconds, 4) if cold.seconds else None
    if args.backend == "int8":
        q, q_res = run_ours_cold(quantize_int8(nli), main_docs, settings, "ours cold int8")
        timings.append(q)
        record["int8"] = {"speedup_vs_fp32": round(cold.seconds_model / q.seconds_model, 2) if q.seconds_model else None,
                          **agreement(cold_res, q_res)}
    record["timings"] = [t.as_dict() for t in timings]
    record["growth"] = [run_ours_cold(nli, pool[:n], settings, f"ours cold, {len(pool[:n])} docs")[0].as_dict()
                        for n in growth]
    record["loadavg_end"] = _loadavg()
    if args.profile:
        dump = Path(args.out).with_suffix(".prof") if args.out else None
        if dump:
            dump.parent.mkdir(parents=True, exist_ok=True)
        record["profile"] = profile_ours(nli, main_docs[: args.profile], settings, dump=dump)
    return record


def print_report(record: dict) -> None:
    """Print the benchmark record as tables and one-line conclusions."""
    print(f"model {record['model_fingerprint']} on {record['device']} ({record['threads']} threads, "
          f"batch {record['batch_size']}), corpus {record['corpus']}, load {record['load_seconds']}s, "
          f"RSS after load {record['rss_after_load_mib']:.0f} MiB; load average {record['loadavg_start']} "
          f"on {record['cores']} cores at start, {record['loadavg_end']} at end")
    print(format_table([Timing(**{k: v for k, v in t.items() if k not in ("docs_per_s", "passes_per_s")})
                        for t in record["timings"] + record["growth"]]))
    if "ratio_b_over_a" in record:
        print(f"speed-up b/a: {record['ratio_b_over_a_same_docs']}x on the same documents, "
              f"{record['ratio_b_over_a']}x with ours on the full sample (per-document rates; the naive path reads "
              f"{record['naive_text_read']:.0%} of each article's tokens); max |p_naive - p_ours| on a "
              f"single sentence {record['equivalence_max_abs_diff']:.1e}")
    print(f"warm re-run: {record['warm_share_of_cold']:.1%} of the cold time")
    if "int8" in record:
        print(f"int8: model time {record['int8']['speedup_vs_fp32']}x faster; agreement with fp32: "
              f"{record['int8']['sentence_argmax_agreement']:.1%} of {record['int8']['sentence_pairs']} sentence pairs, "
              f"{record['int8']['document_label_agreement']:.1%} of document labels")
    if "profile" in record:
        print(format_profile(record["profile"]))
    if record["quick"]:
        print("(--quick: a correctness run; these timings mean nothing)")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``bench`` subcommand."""
    p = subparsers.add_parser("bench", help="time the naive zero-shot pipeline against our path (cold and warm)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=DEFAULT_CORPUS, help=f"corpus to sample documents from (default {DEFAULT_CORPUS})")
    p.add_argument("--docs", type=int, default=500, help="documents for our path, cold and warm (default 500)")
    p.add_argument("--naive-docs", type=int, default=30,
                   help="documents for the naive path and the same-texts ratio; 0 skips it (default 30)")
    p.add_argument("--growth", default="", help="comma-separated sample sizes for extra cold runs, e.g. 100,500,2000")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile a cold run of our path on N documents")
    p.add_argument("--backend", choices=["fp32", "int8"], default="fp32",
                   help="int8: also time int8 dynamic quantisation and report its agreement with fp32")
    p.add_argument("--seed", type=int, default=0, help="seed of the document sample (default 0)")
    p.add_argument("--quick", action="store_true", help="3 documents (2 naive), no file: checks that it runs")
    p.add_argument("--out", default=None, help=f"JSON record to write (default {DEFAULT_OUT}; none with --quick)")
    add_settings_flags(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``bench``: time the paths, print the report and write the JSON record."""
    out = args.out = args.out or (None if args.quick else DEFAULT_OUT)
    record = run_bench(args)
    print_report(record)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(record, indent=1) + "\n")
        print(f"wrote {out}")
    return 0
