"""Streamlit caches: results read once per change, and the tables, panels and indexes the tabs build from them.

Tables handed in as ``_docs`` are not hashed by Streamlit: the ``token`` argument
(:func:`token_of`) names the state they come from (corpus, uploads, overrides, filters).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from app.data import prepare_documents
from app.evidence import Panel, compare_panels
from app.filters import search_index
from app.grouping import group_stance
from app.timeline import time_series
from stance.documents.overrides import load_overrides
from stance.engines.local import Results
from stance.io.export import read_results
from stance.settings import AggregateSettings, load_settings
from stance.text.targets import build_matchers


def stamp(path: Path) -> float:
    """Return the newest modification time of the files in a results folder (``overrides.csv`` aside).

    Takes the folder; returns 0 when it holds no file or is not there (being swapped, removed).
    """
    try:
        return max((p.stat().st_mtime for p in path.iterdir() if p.is_file() and p.name != "overrides.csv"),
                   default=0.0)
    except OSError:
        return 0.0


def token_of(*parts: object) -> str:
    """Return a short hash naming a state (corpus, uploads, overrides, filters) for the caches."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


def read_problem(folder: str) -> tuple[Results | None, str | None]:
    """Read a results folder for the app: returns ``(results, None)``, or ``(None, one-line reason)`` when it cannot.

    Reads exactly the files its ``run.json`` names (:func:`stance.io.export.read_results`); a
    missing file, a moved corpus or a corrupt table becomes the reason, never a traceback.
    """
    try:
        return read_results(folder), None
    except (ValueError, OSError) as exc:
        text = " ".join(str(exc).split()) or type(exc).__name__
        return None, text if text.startswith(str(folder)) else f"{folder}: {text}"


@st.cache_resource(show_spinner="Reading results…", max_entries=4)
def load_corpus_tables(folder: str, stamp: float):
    """Return the results of a folder (documents prepared), read once per change; shared read-only, never mutated.

    A folder that cannot be read shows its one-line reason and stops the page (nothing is cached).
    """
    results, problem = read_problem(folder)
    if problem:
        st.error(f"Cannot open these results: {problem}")
        st.stop()
    results.documents = prepare_documents(results.documents)
    return results


@st.cache_data(show_spinner=False, max_entries=16)
def load_human_labels(folder: str, stamp: float) -> pd.DataFrame:
    """Return the ``overrides.csv`` table of a results folder (keyed by its modification time ``stamp``)."""
    return load_overrides(folder)


@st.cache_resource(show_spinner=False)
def mention_matchers(targets: tuple[str, ...]) -> list:
    """Return the compiled alias matchers used to highlight mentions of ``targets``."""
    return list(build_matchers(load_settings().with_targets(list(targets)).targets).values())


@st.cache_resource(show_spinner="Loading the stance model (first upload only)…")
def shared_scorer():
    """Return one :class:`~stance.scoring.scorer.Scorer` (model loaded on first use) and the lock that guards it."""
    from stance.scoring.scorer import Scorer

    return Scorer(load_settings()), threading.Lock()


def settings_of(agg: tuple) -> AggregateSettings:
    """Return the aggregation settings rebuilt from their hashable form (:attr:`app.corpus.Corpus.agg_key`)."""
    return AggregateSettings(**dict(agg))


@st.cache_data(show_spinner=False, max_entries=64)
def grouped(_docs: pd.DataFrame, token: str, by: tuple[str, ...], agg: tuple) -> pd.DataFrame:
    """Return the group × target stance of ``_docs`` (``token`` identifies them) via :func:`app.grouping.group_stance`."""
    return group_stance(_docs, list(by), settings_of(agg))


@st.cache_data(show_spinner=False, max_entries=32)
def time_table(_docs: pd.DataFrame, token: str, group: str, freq: str, agg: tuple, min_docs: int) -> pd.DataFrame:
    """Return the per-period stance table of ``_docs`` via :func:`app.timeline.time_series`."""
    return time_series(_docs, group, freq, settings_of(agg), min_docs)


@st.cache_data(show_spinner=False, max_entries=64)
def panels(_docs: pd.DataFrame, token: str, target: str, keys: tuple[str, ...], column: str, agg: tuple,
           k: int) -> list[Panel]:
    """Return the side-by-side panels (stance + strongest excerpts) via :func:`app.evidence.compare_panels`."""
    return compare_panels(_docs, target, list(keys), column, settings_of(agg), k)


@st.cache_resource(show_spinner=False, max_entries=8)
def search_haystack(_docs: pd.DataFrame, _texts: pd.DataFrame, token: str) -> pd.Series:
    """Return the lower-cased title + text per document (:func:`app.filters.search_index`), built once per corpus state."""
    return search_index(_docs, _texts)
