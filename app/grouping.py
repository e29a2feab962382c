"""Which documents make up each matrix row: custom groups, the row choice and the engine's group stance.

Pure pandas: every function takes DataFrames (and plain values) and returns DataFrames,
dicts or lists. Group tables are always rebuilt from the *filtered* document table with
the engine's rule (:meth:`stance.documents.rule.DocumentRule.group`), so a matrix cell, its
interval and its counts describe exactly the documents the filters let through.
"""

from __future__ import annotations

import pandas as pd

from app.data import top_sources
from app.filters import Filters
from stance.documents.rule import GROUP_COLUMNS as RULE_GROUP_COLUMNS
from stance.documents.rule import DocumentRule
from stance.settings import AggregateSettings

#: The columns of a :func:`group_stance` table after the group key(s).
GROUP_COLUMNS = [*RULE_GROUP_COLUMNS, "n_human"]
#: The row choice that groups outlets the user names (see :func:`parse_grouping`).
CUSTOM = "custom grouping"


def parse_grouping(text: str) -> tuple[dict[str, list[str]], list[str]]:
    """Parse a user grouping, one group a line: ``group name: outlet, outlet``.

    Returns ``(groups, problems)``: group name → outlets, and one message per bad line.
    Blank lines and ``#`` comments are skipped; a line without a colon or without outlets
    is a problem naming its line number.
    """
    groups: dict[str, list[str]] = {}
    problems = []
    for no, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, rest = line.partition(":")
        members = [m.strip() for m in rest.split(",") if m.strip()]
        if not sep or not name.strip():
            problems.append(f"line {no}: write 'group name: outlet, outlet' (no colon found)")
        elif not members:
            problems.append(f"line {no}: group {name.strip()!r} names no outlets")
        else:
            groups.setdefault(name.strip(), []).extend(m for m in members if m not in groups.get(name.strip(), []))
    return groups, problems


def apply_grouping(documents: pd.DataFrame, groups: dict[str, list[str]], column: str = "group") -> pd.DataFrame:
    """Return the rows of outlets named in ``groups`` with a ``column`` naming their group.

    Outlet names match case-insensitively; an outlet in two groups counts in both; no match
    gives an empty table that still has ``column``.
    """
    lower = documents["source"].astype(str).str.lower()
    parts = [documents[lower.isin({m.lower() for m in members})].assign(**{column: name})
             for name, members in groups.items()]
    parts = [p for p in parts if len(p)]
    if not parts:
        return documents.iloc[0:0].assign(**{column: pd.Series(dtype=str)})
    return pd.concat(parts, ignore_index=True)


def unknown_outlets(documents: pd.DataFrame, groups: dict[str, list[str]]) -> list[str]:
    """Return the outlets named in ``groups`` that no document comes from."""
    known = set(documents["source"].astype(str).str.lower())
    return [m for members in groups.values() for m in members if m.lower() not in known]


def row_documents(documents: pd.DataFrame, filters: Filters, opts: dict) -> tuple[pd.DataFrame, str]:
    """Return the documents behind the matrix rows and the name of the row column.

    ``opts`` is the sidebar's grouping choice: ``group`` (a metadata column or
    :data:`CUSTOM`), ``groups`` (the custom groups) and ``top`` (how many of the most
    prolific sources to keep when rows are sources and no source is picked).
    """
    group = opts["group"]
    if group == CUSTOM:
        return apply_grouping(documents, opts["groups"]), "group"
    if group == "source" and not filters.sources:
        keep = top_sources(documents, int(opts["top"]))
        return documents[documents["source"].isin(keep)], "source"
    return documents, group


def group_stance(documents: pd.DataFrame, by: str | list[str], settings: AggregateSettings) -> pd.DataFrame:
    """Return the group × target stance of ``documents`` by the engine's rule, with ``n_human``.

    One row per group (``by``) × target with :data:`GROUP_COLUMNS`; ``n_human`` counts the
    documents whose label a person set (see :mod:`stance.documents.overrides`).
    """
    return DocumentRule.from_settings(settings).group(documents, by, count_human=True)
