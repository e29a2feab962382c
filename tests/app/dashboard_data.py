"""Synthetic results folders for the dashboard tests (no model, built in about a second)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lab.benchmarks.synthetic import synthetic_results
from stance.engines.local import Results
from stance.io.export import write_results

SCRIPT_DOC = {
    "doc_id": "xss-1", "source": "Evil <b>Outlet</b>", "title": "<script>alert('title')</script> Iran story",
    "text": "<script>alert(1)</script> Iran is a <img src=x onerror=alert(2)> topic. Nothing else here.",
    "rating": "center", "topic": "world", "date": "2016-06-01",
}


@lru_cache(maxsize=4)
def multi_outlet_results(n_docs: int = 80, n_sources: int = 8) -> Results:
    """Synthetic results: ``n_sources`` rated outlets, dated 2016–2017, plus the ``<script>`` document."""
    return synthetic_results(n_docs=n_docs, n_sources=n_sources, seed=1, name="synth", sentences_per_doc=18,
                             extra_documents=[SCRIPT_DOC])


def write_corpus(root: Path, name: str = "synth", results: Results | None = None) -> Path:
    """Write ``results`` (default :func:`multi_outlet_results`) as Parquet to ``root/name``; return the folder."""
    folder = root / name
    write_results(results or multi_outlet_results(), folder, ["parquet"])
    return folder
