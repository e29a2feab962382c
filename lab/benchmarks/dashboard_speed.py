"""Dashboard speed at AllSides scale: first paint and filter-change times, server side.

    python -m lab.benchmarks.dashboard_speed                       # results/allsides if present, else synthetic
    python -m lab.benchmarks.dashboard_speed --results results/seeds
    python -m lab.benchmarks.dashboard_speed --synthetic           # force 3,185 docs × 155 outlets × 3 targets

Runs ``dashboard.py`` in Streamlit's AppTest (the same script run a browser triggers, minus
the network and drawing) and times: the first run in a fresh process (imports, reading the
tables, the matrix), a second session's first run (warm caches: what a new visitor costs),
and each interaction (filter changes, tabs). The synthetic corpus is built once (a few
minutes: document aggregation bootstraps every document) and cached under /tmp.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SYNTH_CACHE = Path(tempfile.gettempdir()) / "stance-dashboard-bench" / "synth3185"


def synthetic_folder(n_docs: int = 3185, n_sources: int = 155) -> Path:
    """Return a results folder with synthetic AllSides-sized results (built once, then cached)."""
    from lab.benchmarks.synthetic import synthetic_results
    from stance.io.export import write_results

    if (SYNTH_CACHE / "documents.parquet").is_file():
        return SYNTH_CACHE
    t0 = time.perf_counter()
    print(f"building synthetic results ({n_docs} docs, {n_sources} outlets) …", flush=True)
    res = synthetic_results(n_docs=n_docs, n_sources=n_sources, seed=7, name="synth3185", days=365 * 8,
                            sentences_per_doc=40)
    tmp = SYNTH_CACHE.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    write_results(res, tmp, ["parquet"])
    tmp.rename(SYNTH_CACHE)
    print(f"  built in {time.perf_counter() - t0:.0f}s", flush=True)
    return SYNTH_CACHE


def timed(label: str, fn, rows: list) -> None:
    t0 = time.perf_counter()
    at = fn()
    dt = time.perf_counter() - t0
    if at is not None and at.exception:
        raise RuntimeError(f"{label}: {at.exception[0].value}")
    rows.append((label, dt))
    print(f"  {label:<48s} {dt * 1000:8.0f} ms", flush=True)


def bench(folder: Path) -> list[tuple[str, float]]:
    """Run the interactions against ``folder`` and return (label, seconds) rows."""
    from streamlit.testing.v1 import AppTest

    root = Path(tempfile.mkdtemp(prefix="dash-bench-"))
    (root / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
    os.environ["DASHBOARD_RESULTS_DIR"] = str(root)
    app = str(REPO / "dashboard.py")
    rows: list[tuple[str, float]] = []

    def new_session():
        at = AppTest.from_file(app, default_timeout=300)
        at.query_params["corpus"] = folder.name
        return at

    at = new_session()
    timed("first paint, cold process (imports + read + matrix)", lambda: at.run(), rows)
    timed("rerun, nothing changed", lambda: at.run(), rows)
    at2 = new_session()
    timed("first paint, new session (warm caches)", lambda: at2.run(), rows)
    targets = at.multiselect(key="targets").value
    timed("filter: one target", lambda: at.multiselect(key="targets").set_value(targets[:1]).run(), rows)
    timed("filter: all targets again (cached)", lambda: at.multiselect(key="targets").set_value(targets).run(), rows)
    timed("filter: min confidence 0.8", lambda: at.slider(key="min_conf").set_value(0.8).run(), rows)
    timed("filter: top 50 outlets", lambda: at.number_input(key="top").set_value(50).run(), rows)
    if any(w.key == "dates" for w in at.date_input):
        lo, hi = at.date_input(key="dates").value
        timed("filter: date range (first half)", lambda: at.date_input(key="dates").set_value(
            (lo, lo + (hi - lo) / 2)).run(), rows)
    timed("filter: search 'nuclear'", lambda: at.text_input(key="q").set_value("nuclear").run(), rows)
    timed("filter: clear search", lambda: at.text_input(key="q").set_value("").run(), rows)
    if "rating" in at.selectbox(key="group").options:  # only when the documents carry outlet ratings
        timed("group by rating", lambda: at.selectbox(key="group").set_value("rating").run(), rows)
    for tab in ("Time", "Compare", "Documents", "Drill-down", "Export", "Matrix"):
        def switch(tab=tab):
            at.session_state["tab"] = tab
            return at.run()
        timed(f"tab: {tab}", switch, rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the timings for one results folder."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", help="results folder (default: results/allsides, else synthetic)")
    ap.add_argument("--synthetic", action="store_true", help="use the synthetic 3,185-document corpus")
    args = ap.parse_args(argv)
    folder = Path(args.results) if args.results else REPO / "results" / "allsides"
    if args.synthetic or not (folder / "documents.parquet").is_file() and not args.results:
        folder = synthetic_folder()
    import pandas as pd

    docs = pd.read_parquet(folder / "documents.parquet", columns=["doc_id", "source"])
    print(f"{folder}: {docs['doc_id'].nunique():,} documents, {docs['source'].nunique()} sources, {len(docs):,} rows")
    bench(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
