"""The corpus the dashboard shows (committed results + this session's uploads, human labels applied) and the current view."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from app.cache import load_corpus_tables, load_human_labels, stamp, token_of
from app.data import aggregate_settings, corpus_targets, prepare_documents
from app.filters import Filters
from stance.documents.overrides import apply_overrides, overrides_path

ROOT = Path(__file__).resolve().parents[1]


def results_dir() -> Path:
    """Return the folder holding one results folder per corpus (``results/``, or ``$DASHBOARD_RESULTS_DIR``)."""
    return Path(os.environ.get("DASHBOARD_RESULTS_DIR", ROOT / "results"))


class Corpus:
    """The current corpus: merged tables (committed + uploads), human labels applied."""

    def __init__(self, name: str):
        """Read (through the caches) the results folder ``name`` under :func:`results_dir` and this session's uploads."""
        from app.uploads import merge_results

        self.name = name
        self.folder = results_dir() / name
        base = load_corpus_tables(str(self.folder), stamp(self.folder))
        upload = st.session_state.setdefault("uploads", {}).get(name)
        merged = merge_results(base, upload)
        self.run = base.run
        self.agg = aggregate_settings(base.run)
        ov_file = overrides_path(self.folder)
        self.overrides = load_human_labels(str(self.folder), ov_file.stat().st_mtime if ov_file.is_file() else 0.0)
        self.token = token_of(name, stamp(self.folder), st.session_state.get("upload_token", 0), len(self.overrides),
                              self.overrides.to_json() if len(self.overrides) else "")
        self.documents = prepare_documents(
            apply_overrides(merged.documents, self.overrides, self.agg.neutral_threshold))
        self.sentences, self.texts, self.removed = merged.sentences, merged.texts, merged.removed
        self.targets = corpus_targets(self.documents, self.run)

    @property
    def agg_key(self) -> tuple:
        """The aggregation settings as a hashable tuple (for cache keys); ``app.cache.settings_of`` turns it back."""
        return tuple(sorted(asdict(self.agg).items()))


@dataclass
class View:
    """What every tab draws from: the corpus, its documents left by the sidebar's filters, the filters and the row choice.

    ``opts`` holds the sidebar's row choice: ``group`` (row column or
    :data:`app.grouping.CUSTOM`), ``groups`` (custom groups), ``top`` (most prolific outlets
    shown) and ``min_docs`` (the "few documents" rule).
    """

    corpus: Corpus
    docs: pd.DataFrame
    filters: Filters
    opts: dict
