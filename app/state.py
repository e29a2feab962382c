"""View state kept across reruns: widgets seeded from and written to the URL, chart clicks, messages for the next run."""

from __future__ import annotations

import streamlit as st

#: Widget keys that depend on the corpus; cleared when the corpus changes.
CORPUS_KEYS = ("targets", "sources", "group", "groups_text", "dates", "compare", "compare_docs", "cmp_target", "cmp_dates", "doc",
               "q", "dd_target", "ov_target")


def seed_from_url(key: str, options: list[str], many: bool = False) -> None:
    """Start a widget from the URL when it has no state yet (for widgets whose URL value is an id, not a label).

    Keeps only values among ``options``: the first one, or up to three when ``many``.
    """
    if key in st.session_state or key not in st.query_params:
        return
    valid = [v for v in st.query_params.get_all(key) if v in set(options)]
    if valid:
        st.session_state[key] = valid[:3] if many else valid[0]


def keep_valid(key: str, options: list) -> None:
    """Forget a widget's remembered value when filters removed it from ``options``."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def write_to_url(key: str, value: str | list[str] | None) -> None:
    """Keep an id-valued widget's ``value`` in the URL under ``key`` (removed when empty)."""
    if value:
        st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]


def on_corpus_change() -> None:
    """Forget the selections that belong to the previous corpus (:data:`CORPUS_KEYS`)."""
    for key in CORPUS_KEYS:
        st.session_state.pop(key, None)


def clicked_cell(chart_key: str) -> list | None:
    """Return ``[row, target, ...]`` of the cell clicked in the matrix chart with key ``chart_key``, if any."""
    state = st.session_state.get(chart_key)
    points = (state or {}).get("selection", {}).get("points", []) if state else []
    data = points[0].get("customdata") if points else None
    return data if data and len(data) >= 2 else None


def flash(kind: str, message: str) -> None:
    """Keep a message for the next run (used before ``st.rerun()``); ``kind`` names an ``st`` call (``success``, ...)."""
    st.session_state.setdefault("flash", []).append((kind, message))


def show_flash() -> None:
    """Show (once) the messages kept by :func:`flash`."""
    for kind, message in st.session_state.pop("flash", []):
        getattr(st, kind)(message)
