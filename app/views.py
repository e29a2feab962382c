"""Dashboard views: pure pandas functions from result tables to what the dashboard draws.

Nothing here scores or imports Streamlit; every function takes DataFrames (and plain
values) and returns DataFrames, dicts or HTML strings, so each view is unit-tested
without a browser. Group tables are always rebuilt from the *filtered* document table
with the engine's rule (:meth:`stance.documents.rule.DocumentRule.group`), so a matrix cell,
its interval and its counts always describe exactly the documents the filters let through.

HTML is built by escaping every piece of document text first and only then adding our
own tags, so a document containing ``<script>`` is shown as text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from stance.documents.rule import GROUP_COLUMNS as RULE_GROUP_COLUMNS
from stance.documents.rule import DocumentRule
from stance.settings import DOC_LABELS, AggregateSettings
from stance.text.targets import TargetMatcher

#: Tables a results folder needs for the dashboard to list it.
DOCUMENT_FILES = ("documents.parquet", "documents.csv", "documents.json")
#: Cells resting on fewer documents than this are marked "few documents" by default.
MIN_DOCS_DEFAULT = 5
#: Diverging colours: against (negative score) → neutral → favor (positive score).
AGAINST_RGB, NEUTRAL_RGB, FAVOR_RGB = (178, 24, 43), (247, 247, 247), (33, 102, 172)
NOT_MENTIONED_RGB = (200, 200, 200)
LABEL_TEXT = {"favor": "favor", "against": "against", "neutral": "neutral", "not_mentioned": "not mentioned"}
FREQS = {"month": "M", "quarter": "Q"}
GROUP_COLUMNS = [*RULE_GROUP_COLUMNS, "n_human"]
CELL_COLUMNS = ["row", "target", "label", "score", "confidence", "ci_low", "ci_high", "n_documents",
                "n_documents_total", "n_sentences", "n_favor", "n_against", "n_neutral", "n_not_mentioned",
                "n_human", "state", "text", "hover"]


# ---------------------------------------------------------------- corpora and tables


def available_corpora(root: str | Path) -> list[str]:
    """Return the names of the folders under ``root`` that hold a documents table, sorted."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and any((p / f).is_file() for f in DOCUMENT_FILES))


def default_corpus(names: Sequence[str], preferred: Sequence[str] = ("allsides", "seeds")) -> str | None:
    """Return the corpus to open first: the first of ``preferred`` present, else the first name."""
    for name in preferred:
        if name in names:
            return name
    return names[0] if names else None


def aggregate_settings(run: dict) -> AggregateSettings:
    """Return the aggregation settings a run used (from ``run.json``); see ``AggregateSettings.from_run``."""
    return AggregateSettings.from_run(run.get("aggregate") or {})


def corpus_targets(documents: pd.DataFrame, run: dict) -> list[str]:
    """Return the targets in run order (``run.json``), then any others found in the documents."""
    present = list(pd.unique(documents["target"]))
    order = [t for t in run.get("targets", []) if t in present]
    return order + [t for t in present if t not in order]


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse ``YYYY-MM-DD`` dates (longer ISO strings are cut); anything else becomes NaT."""
    text = values.fillna("").astype(str).str.slice(0, 10)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


def prepare_documents(documents: pd.DataFrame) -> pd.DataFrame:
    """Add the columns every view relies on: ``day`` (parsed date) and ``label_source``.

    Missing metadata columns (``title``, ``date``) are added empty so results from any run
    (or an upload) look alike.
    """
    out = documents.copy()
    for col in ("title", "date"):
        if col not in out:
            out[col] = ""
        out[col] = out[col].fillna("").astype(str)
    out["day"] = parse_dates(out["date"])
    if "label_source" not in out:
        out["label_source"] = "model"
    return out


def metadata_columns(documents: pd.DataFrame, max_values: int = 80) -> list[str]:
    """Return metadata columns fit for grouping rows (few distinct values), ``source`` first."""
    skip = {"doc_id", "title", "date", "url", "target", "label", "score", "confidence", "n_sentences", "n_attributed",
            "evidence_favor", "evidence_against", "day", "label_source", "label_model", "score_model",
            "confidence_model", "override_note", "language", "authors", "origin"}
    cols = ["source"]
    for col in documents.columns:
        if col in skip or col == "source" or documents[col].dtype.kind in "fiub":
            continue
        n = documents[col].nunique(dropna=True)
        if 1 < n <= max_values:
            cols.append(col)
    return cols


# ---------------------------------------------------------------- filtering


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the documents to. Empty tuples and ``None`` mean "no filter"."""

    targets: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    min_confidence: float = 0.0
    query: str = ""
    doc_ids: tuple[str, ...] = field(default=())

    @property
    def dated(self) -> bool:
        """True when a date window is set (undated documents are then left out)."""
        return self.date_from is not None or self.date_to is not None


def date_bounds(documents: pd.DataFrame) -> tuple[date, date] | None:
    """Return the (first, last) document date, or ``None`` when no document is dated."""
    days = documents["day"].dropna() if "day" in documents else parse_dates(documents["date"]).dropna()
    if days.empty:
        return None
    return days.min().date(), days.max().date()


def search_index(documents: pd.DataFrame, texts: pd.DataFrame) -> pd.Series:
    """Return ``doc_id`` → lower-cased "title + cleaned text", the haystack of :func:`search_documents`."""
    titles = documents.drop_duplicates("doc_id").set_index("doc_id")["title"].fillna("").astype(str)
    body = texts.set_index("doc_id")["clean_text"].fillna("").astype(str) if len(texts) else pd.Series(dtype=str)
    body = body.reindex(titles.index).fillna("")
    return (titles + "\n" + body).str.lower()


def search_documents(index: pd.Series, query: str) -> list[str]:
    """Return the ids of documents whose title or text contains every word of ``query``.

    Case-insensitive, literal (no regex); a phrase in double quotes must occur as written.
    """
    terms = [(phrase or word).lower() for phrase, word in re.findall(r'"([^"]+)"|(\S+)', query)]
    if not terms:
        return list(index.index)
    hit = pd.Series(True, index=index.index)
    for term in terms:
        hit &= index.str.contains(term, regex=False)
    return list(index.index[hit])


def filter_documents(documents: pd.DataFrame, filters: Filters, index: pd.Series | None = None) -> pd.DataFrame:
    """Return the document × target rows that pass ``filters``.

    Targets and sources keep the named ones; a date window keeps dated documents inside it
    (inclusive); ``min_confidence`` drops document labels less certain than that (a
    "not mentioned" row is certain); ``query`` keeps documents found by
    :func:`search_documents` in ``index`` (built from the texts when not given).
    """
    keep = pd.Series(True, index=documents.index)
    if filters.targets:
        keep &= documents["target"].isin(filters.targets)
    if filters.sources:
        keep &= documents["source"].isin(filters.sources)
    if filters.doc_ids:
        keep &= documents["doc_id"].isin(filters.doc_ids)
    if filters.dated:
        day = documents["day"]
        keep &= day.notna()
        if filters.date_from is not None:
            keep &= day >= pd.Timestamp(filters.date_from)
        if filters.date_to is not None:
            keep &= day <= pd.Timestamp(filters.date_to)
    if filters.min_confidence > 0:
        keep &= (documents["confidence"] >= filters.min_confidence) | (documents["label"] == "not_mentioned")
    if filters.query.strip():
        if index is None:
            raise ValueError("a search query needs the search index (search_index(documents, texts))")
        keep &= documents["doc_id"].isin(search_documents(index, filters.query))
    return documents[keep]


def top_sources(documents: pd.DataFrame, n: int | None) -> list[str]:
    """Return the ``n`` sources with the most documents (ties by name); all when ``n`` is falsy."""
    counts = documents.drop_duplicates("doc_id")["source"].value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    names = [str(k) for k, _ in ranked]
    return names[:n] if n else names


def source_counts(documents: pd.DataFrame) -> pd.DataFrame:
    """Return one row per source: documents, first and last date, and rating when known."""
    docs = documents.drop_duplicates("doc_id")
    agg = {"documents": ("doc_id", "size"), "first": ("day", "min"), "last": ("day", "max")}
    if "rating" in docs:
        agg["rating"] = ("rating", "first")
    out = docs.groupby("source", sort=False).agg(**agg).reset_index()
    return out.sort_values(["documents", "source"], ascending=[False, True]).reset_index(drop=True)


# ---------------------------------------------------------------- grouping


def parse_grouping(text: str) -> tuple[dict[str, list[str]], list[str]]:
    """Parse a user grouping, one group a line: ``group name: outlet, outlet``.

    Returns ``(groups, problems)``; blank lines and ``#`` comments are skipped, and a line
    without a colon or without outlets is a problem naming its line number.
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

    Outlet names match case-insensitively; an outlet in two groups counts in both.
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


def group_stance(documents: pd.DataFrame, by: str | list[str], settings: AggregateSettings) -> pd.DataFrame:
    """Return the group × target stance of ``documents`` by the engine's rule, with ``n_human``.

    ``n_human`` counts the documents whose label a person set (see :mod:`stance.documents.overrides`).
    """
    return DocumentRule.from_settings(settings).group(documents, by, count_human=True)


# ---------------------------------------------------------------- matrices


def _fmt_score(score: float) -> str:
    return f"{score:+.2f}".replace("-", "−")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def cell_state(label: str, n_documents: int, min_docs: int) -> str:
    """Return ``not_mentioned``, ``few`` (resting on fewer than ``min_docs`` documents) or ``ok``."""
    if label == "not_mentioned" or n_documents == 0:
        return "not_mentioned"
    return "few" if n_documents < min_docs else "ok"


def _group_cell(r: dict, row: str, min_docs: int) -> dict:
    state = cell_state(r["label"], int(r["n_documents"]), min_docs)
    human = f" ✎{int(r['n_human'])}" if r.get("n_human", 0) else ""
    name = html.escape(str(r[row]))
    head = f"<b>{name}</b> × <b>{html.escape(str(r['target']))}</b>"
    basis = (f"{int(r['n_documents'])} of {int(r['n_documents_total'])} documents mention it, "
             f"{int(r['n_sentences'])} sentences")
    counts = f"favor {r['n_favor']} · against {r['n_against']} · neutral {r['n_neutral']} · not mentioned {r['n_not_mentioned']}"
    if state == "not_mentioned":
        text = f"not mentioned<br>0 of {_plural(int(r['n_documents_total']), 'doc')}"
        hover = f"{head}<br>not mentioned in any of {int(r['n_documents_total'])} documents"
    else:
        n_doc = int(r["n_documents"])
        text = (f"{LABEL_TEXT[r['label']]} {_fmt_score(r['score'])}{human}"
                f"<br>{_plural(n_doc, 'doc')} · {int(r['n_sentences'])} sent.")
        if state == "few":
            text += "<br><i>few docs</i>"
        hover = (f"{head}<br>{r['label']}, score {_fmt_score(r['score'])} "
                 f"(95% interval {_fmt_score(r['ci_low'])} … {_fmt_score(r['ci_high'])})"
                 f"<br>confidence {r['confidence']:.2f}<br>{basis}<br>{counts}")
        if state == "few":
            hover += f"<br><i>few documents: fewer than {min_docs}</i>"
    if human:
        hover += f"<br>✎ includes {int(r['n_human'])} human label(s)"
    return {"state": state, "text": text, "hover": hover}


def matrix_cells(groups: pd.DataFrame, row: str, min_docs: int = MIN_DOCS_DEFAULT) -> pd.DataFrame:
    """Turn a :func:`group_stance` table into heatmap cells (one per row × target).

    Adds ``state`` (``ok`` / ``few`` / ``not_mentioned``), ``text`` (label, signed score, n
    documents and n sentences, a ✎ with the number of human labels) and ``hover``
    (confidence, 95% interval and the label counts); the row key is renamed ``row``.
    """
    if groups.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    recs = groups.to_dict("records")
    extra = [_group_cell(r, row, min_docs) for r in recs]
    out = pd.DataFrame(recs).rename(columns={row: "row"})
    for k in ("state", "text", "hover"):
        out[k] = [e[k] for e in extra]
    if "n_human" not in out:
        out["n_human"] = 0
    return out[CELL_COLUMNS]


def document_cells(documents: pd.DataFrame) -> pd.DataFrame:
    """Heatmap cells for the document × target view (row = :func:`doc_label`).

    A document cell rests on its sentences: ``text`` gives label, score and n sentences,
    ``hover`` the confidence and the strongest evidence sentence.
    """
    rows = []
    for r in documents.to_dict("records"):
        label, n = r["label"], int(r["n_sentences"])
        human = r.get("label_source") == "human"
        mark = " ✎" if human else ""
        head = f"<b>{html.escape(doc_label(r))}</b> × <b>{html.escape(str(r['target']))}</b>"
        if label == "not_mentioned" and not human:
            state, text, hover = "not_mentioned", "not mentioned", f"{head}<br>no sentence names the target"
        else:
            state = "ok"
            score = "" if pd.isna(r["score"]) else f" {_fmt_score(r['score'])}"
            text = f"{LABEL_TEXT[label]}{score}{mark}<br>{n} sent."
            top = strongest_evidence(r, 1)
            quote = html.escape(_short(top[0]["text"], 90)) if top else "—"
            hover = f"{head}<br>{label}{score}, confidence {r['confidence']:.2f}, {n} sentences<br>strongest: {quote}"
            if human:
                note = html.escape(str(r.get("override_note", "")))
                hover += f"<br>✎ human label (model said {r.get('label_model', '?')}); note: {note}"
        rows.append({"row": doc_label(r), "doc_id": r["doc_id"], "target": r["target"], "label": label, "score": r["score"],
                     "confidence": r["confidence"], "n_documents": 1, "n_sentences": n, "n_human": int(human),
                     "state": state, "text": text, "hover": hover})
    return pd.DataFrame(rows, columns=["row", "doc_id", "target", "label", "score", "confidence", "n_documents",
                                       "n_sentences", "n_human", "state", "text", "hover"])


def cell_grid(cells: pd.DataFrame, rows: Sequence[str], targets: Sequence[str], column: str) -> np.ndarray:
    """Return ``cells[column]`` as a rows × targets array (missing cells NaN for ``score``, else ``None``)."""
    numeric = column == "score"
    grid = np.full((len(rows), len(targets)), np.nan if numeric else None, dtype=float if numeric else object)
    r_pos = {r: i for i, r in enumerate(rows)}
    t_pos = {t: j for j, t in enumerate(targets)}
    for r, t, v in zip(cells["row"], cells["target"], cells[column]):
        i, j = r_pos.get(r), t_pos.get(t)
        if i is not None and j is not None:
            grid[i, j] = v
    return grid


def wide_matrix(cells: pd.DataFrame, targets: Sequence[str]) -> pd.DataFrame:
    """Return the matrix as a readable table: one row per group, a ``label score (n docs/n sent, conf)`` column per target."""
    def text(r: pd.Series) -> str:
        if r["state"] == "not_mentioned":
            return f"not mentioned (0/{int(r['n_documents_total'])} docs)"
        few = ", few docs" if r["state"] == "few" else ""
        human = f", {int(r['n_human'])} human" if r["n_human"] else ""
        return (f"{r['label']} {r['score']:+.2f} ({int(r['n_documents'])} docs/{int(r['n_sentences'])} sent, "
                f"conf {r['confidence']:.2f}{few}{human})")
    if cells.empty:
        return pd.DataFrame(columns=["row", *targets])
    out = cells.assign(cell=cells.apply(text, axis=1)).pivot(index="row", columns="target", values="cell")
    return out.reindex(columns=[t for t in targets if t in out.columns]).reset_index()


def order_rows(cells: pd.DataFrame, by: str = "documents") -> list[str]:
    """Return row keys ordered by total documents (desc), by ``score`` (mean, desc) or by ``name``."""
    if cells.empty:
        return []
    if by == "name":
        return sorted(cells["row"].astype(str).unique())
    if by == "score":
        mean = cells.groupby("row")["score"].mean().fillna(-9)
        return list(mean.sort_values(ascending=False, kind="stable").index)
    total = cells.groupby("row")["n_documents_total"].max() if "n_documents_total" in cells else cells.groupby("row").size()
    return [k for k, _ in sorted(total.items(), key=lambda kv: (-kv[1], str(kv[0])))]


# ---------------------------------------------------------------- time


def add_period(documents: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Return the dated rows with a ``period`` column: the first day of their month or quarter.

    ``freq`` is ``month``/``quarter`` (or pandas' ``M``/``Q``).
    """
    code = FREQS.get(freq, freq)
    dated = documents[documents["day"].notna()]
    return dated.assign(period=dated["day"].dt.to_period(code).dt.start_time)


def time_series(documents: pd.DataFrame, group: str, freq: str, settings: AggregateSettings,
                min_docs: int = MIN_DOCS_DEFAULT) -> pd.DataFrame:
    """Stance per target per group per period (``month`` or ``quarter``) with its basis.

    Returns one row per (group, period, target) with ``label, score, ci_low, ci_high,
    confidence, n_documents, n_documents_total, n_sentences`` and ``few`` (fewer than
    ``min_docs`` documents mention the target). Undated documents are left out.
    """
    dated = add_period(documents, freq)
    if dated.empty:
        return pd.DataFrame(columns=[group, "period", "target", "label", "score", "ci_low", "ci_high",
                                     "confidence", "n_documents", "n_documents_total", "n_sentences", "few"])
    table = group_stance(dated, [group, "period"], settings)
    table["few"] = table["n_documents"] < min_docs
    return table.sort_values([group, "target", "period"]).reset_index(drop=True)


# ---------------------------------------------------------------- evidence and compare


def doc_label(row: dict | pd.Series, width: int = 70) -> str:
    """Return a short unique label for a document: ``title — source [doc_id]``."""
    title = str(row.get("title") or "").strip() or "(untitled)"
    return f"{_short(title, width)} — {row.get('source', '')} [{row['doc_id']}]"


def doc_axis_label(row: dict | pd.Series) -> str:
    """Return a compact axis label for a document: short title · source · date."""
    title = str(row.get("title") or "").strip() or str(row["doc_id"])
    date_txt = f" · {row['date']}" if str(row.get("date") or "").strip() else ""
    return f"{_short(title, 30)} · {_short(str(row.get('source', '')), 18)}{date_txt}"


def _short(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def evidence_items(row: dict | pd.Series) -> list[dict]:
    """Return a document row's evidence sentences (both sides), strongest (largest |score|) first.

    Each item: ``sent_idx, text, score, attributed, side``; malformed JSON gives no items.
    """
    items = []
    for side in ("favor", "against"):
        raw = row.get(f"evidence_{side}") or "[]"
        try:
            parsed = json.loads(raw) if isinstance(raw, str) else list(raw)
        except (TypeError, ValueError):
            parsed = []
        items.extend({**it, "side": side} for it in parsed if isinstance(it, dict))
    return sorted(items, key=lambda it: (-abs(float(it.get("score", 0))), int(it.get("sent_idx", 0))))


def strongest_evidence(row: dict | pd.Series, k: int = 3) -> list[dict]:
    """Return the ``k`` strongest evidence items of a document row (see :func:`evidence_items`)."""
    return evidence_items(row)[:k]


@dataclass
class Panel:
    """One column of the side-by-side view: a source (or document) toward one target."""

    key: str
    title: str
    label: str
    score: float
    confidence: float
    ci_low: float
    ci_high: float
    n_documents: int
    n_documents_total: int
    n_sentences: int
    n_human: int
    excerpts: list[dict]


def compare_panels(documents: pd.DataFrame, target: str, keys: Sequence[str], column: str,
                   settings: AggregateSettings, k: int = 6) -> list[Panel]:
    """Build the side-by-side columns for ``keys``, values of ``column`` (``source``, ``doc_id``, ``rating``, ...).

    Each panel carries the group's stance toward ``target`` (from :func:`group_stance`, so
    it matches the matrix) and up to ``k`` evidence excerpts from its documents, strongest
    first; each excerpt names its document, date and whether it is quoted speech.
    """
    rows = documents[documents["target"] == target]
    panels = []
    for key in keys:
        sel = rows[rows[column].astype(str) == str(key)]
        stance = group_stance(sel, column, settings)
        s = stance.iloc[0].to_dict() if len(stance) else {}
        excerpts = []
        for r in sel.to_dict("records"):
            for it in evidence_items(r):
                excerpts.append({**it, "doc_id": r["doc_id"], "title": r.get("title", ""), "date": r.get("date", ""),
                                 "source": r.get("source", ""), "doc_label": r["label"],
                                 "human": r.get("label_source") == "human"})
        excerpts.sort(key=lambda it: (-abs(float(it["score"])), str(it["doc_id"]), int(it["sent_idx"])))
        title = doc_label(sel.iloc[0]) if column == "doc_id" and len(sel) else str(key)
        panels.append(Panel(
            key=str(key), title=title, label=s.get("label", "not_mentioned"), score=float(s.get("score", np.nan)),
            confidence=float(s.get("confidence", np.nan)), ci_low=float(s.get("ci_low", np.nan)),
            ci_high=float(s.get("ci_high", np.nan)), n_documents=int(s.get("n_documents", 0)),
            n_documents_total=int(s.get("n_documents_total", 0)), n_sentences=int(s.get("n_sentences", 0)),
            n_human=int(s.get("n_human", 0)), excerpts=excerpts[:k]))
    return panels


# ---------------------------------------------------------------- HTML


def mention_spans(text: str, matchers: Iterable[TargetMatcher]) -> list[tuple[int, int]]:
    """Return the merged (start, end) spans of target mentions in ``text`` (excluded phrases skipped)."""
    spans = [span for m in matchers for span in m.spans(text)]
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def highlight_html(text: str, matchers: Iterable[TargetMatcher]) -> str:
    """Return ``text`` HTML-escaped with each target mention wrapped in ``<mark class="mention">``.

    Escaping happens piece by piece before any tag is added, so markup in documents is
    shown as text and mentions are found in the original (unescaped) text.
    """
    out, pos = [], 0
    for a, b in mention_spans(text, matchers):
        out.append(html.escape(text[pos:a]))
        out.append(f'<mark class="mention">{html.escape(text[a:b])}</mark>')
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)


def score_rgb(score: float) -> tuple[int, int, int]:
    """Return the diverging-scale colour of a signed score in [-1, 1] (grey when NaN)."""
    if score is None or pd.isna(score):
        return NOT_MENTIONED_RGB
    s = float(np.clip(score, -1, 1))
    end = FAVOR_RGB if s > 0 else AGAINST_RGB
    return tuple(int(round(n + (e - n) * abs(s))) for n, e in zip(NEUTRAL_RGB, end))


def score_css(score: float, alpha: float | None = None) -> str:
    """Return a CSS ``rgba()`` for a score; ``alpha`` defaults to 0.25 + 0.6·|score|."""
    if score is None or pd.isna(score):
        return "rgba(200,200,200,0.5)"
    s = float(np.clip(score, -1, 1))
    r, g, b = FAVOR_RGB if s >= 0 else AGAINST_RGB
    a = 0.12 + 0.6 * abs(s) if alpha is None else alpha
    return f"rgba({r},{g},{b},{a:.2f})"


def badge_html(label: str, score: float | None = None, human: bool = False) -> str:
    """Return a coloured label badge (``favor +0.31``), marked ✎ human when a person set it."""
    rgb = NOT_MENTIONED_RGB if label == "not_mentioned" else score_rgb(
        {"favor": 0.75, "against": -0.75, "neutral": 0.0}.get(label, 0.0))
    fg = "#fff" if label in ("favor", "against") else "#222"
    score_txt = "" if score is None or pd.isna(score) else f" {_fmt_score(score)}"
    mark = ' <span title="label set by a person">✎ human</span>' if human else ""
    style = (f"background:rgb{rgb};color:{fg};padding:1px 8px;border-radius:10px;"
             "border:1px solid rgba(0,0,0,0.25);font-weight:600;white-space:nowrap")
    return f'<span class="badge" style="{style}">{html.escape(LABEL_TEXT.get(label, label))}{score_txt}{mark}</span>'



def excerpt_html(item: dict, matchers: Iterable[TargetMatcher]) -> str:
    """Return one evidence excerpt as an HTML card: highlighted sentence, score and its document."""
    quoted = " · quoted/attributed" if item.get("attributed") else ""
    raw = (f" (model {_fmt_score(float(item['raw_score']))}, taken relative to the other targets it names)"
           if item.get("raw_score") is not None else "")
    meta = f"{html.escape(_short(str(item.get('title') or ''), 80))} · {html.escape(str(item.get('date') or 'undated'))}"
    return (f'<div class="excerpt" style="border-left:5px solid {score_css(item["score"], 0.9)};padding:4px 8px;margin:6px 0">'
            f'<div>{highlight_html(str(item["text"]), matchers)}</div>'
            f'<div style="font-size:0.8em;color:#555">score {_fmt_score(float(item["score"]))}{raw}{quoted} · '
            f'sentence {int(item["sent_idx"])} of {html.escape(str(item.get("doc_id", "")))} · {meta}</div></div>')


def marked_text_html(clean_text: str, sentences: Sequence[str], scores: dict[int, float],
                     matchers: Iterable[TargetMatcher], other: Iterable[int] = ()) -> str:
    """Return the cleaned text as HTML with each scored sentence coloured by its score.

    Sentences are located in order in ``clean_text`` (so paragraph breaks survive); a
    sentence in ``scores`` gets a background from the diverging scale and a tooltip with
    its index and score, one in ``other`` (scored toward another target) a dotted
    underline. Everything is escaped; mentions are highlighted.
    """
    matchers = list(matchers)
    other = set(other)
    out, pos = [], 0
    for idx, sent in enumerate(sentences):
        at = clean_text.find(sent, pos) if sent else -1
        if at < 0:
            continue
        out.append(_plain(clean_text[pos:at]))
        body = highlight_html(sent, matchers)
        if idx in scores:
            s = scores[idx]
            out.append(f'<span class="scored" data-sent="{idx}" title="sentence {idx}: score {_fmt_score(s)}" '
                       f'style="background:{score_css(s)};border-radius:3px">{body}</span>')
        elif idx in other:
            out.append(f'<span class="other" data-sent="{idx}" style="border-bottom:1px dotted #888">{body}</span>')
        else:
            out.append(body)
        pos = at + len(sent)
    out.append(_plain(clean_text[pos:]))
    return "".join(out)


def _plain(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


# ---------------------------------------------------------------- drill-down and export


def document_sentences(sentences: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    """Return one document's scored sentences (one row per sentence × target), in text order."""
    cols = ["sent_idx", "target", "score", "raw_score", "p_favor", "p_against", "p_neutral", "weight", "position", "cue",
            "sentence"]
    rows = sentences[sentences["doc_id"] == doc_id]
    return rows[[c for c in cols if c in rows]].sort_values(["sent_idx", "target"]).reset_index(drop=True)


def document_removed(removed: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    """Return the lines cleaning removed from one document (line number, reason, text)."""
    rows = removed[removed["doc_id"] == doc_id]
    return rows[["line_no", "reason", "text"]].sort_values("line_no").reset_index(drop=True)


def text_sentences(texts: pd.DataFrame, doc_id: str) -> tuple[str, list[str]]:
    """Return one document's cleaned text and its sentence list (index = ``sent_idx``)."""
    rows = texts[texts["doc_id"] == doc_id]
    if rows.empty:
        return "", []
    r = rows.iloc[0]
    try:
        sents = json.loads(r["sentences"]) if isinstance(r["sentences"], str) else list(r["sentences"])
    except ValueError:
        sents = []
    return str(r["clean_text"] or ""), [str(s) for s in sents]


def export_tables(cells: pd.DataFrame, documents: pd.DataFrame, sentences: pd.DataFrame, row: str) -> dict[str, pd.DataFrame]:
    """Return the tables the download buttons serialise, restricted to the current filters.

    ``matrix``: one row per group × target with label, score, confidence, interval and
    counts (the row key named ``row``); ``documents``: the filtered document rows (with
    ``label_source`` model/human); ``sentences``: the scored sentences of those documents
    and targets.
    """
    matrix = cells.drop(columns=["text", "hover"], errors="ignore").rename(columns={"row": row})
    docs = documents.drop(columns=["day"], errors="ignore")
    keep = sentences["doc_id"].isin(documents["doc_id"]) & sentences["target"].isin(documents["target"].unique())
    return {"matrix": matrix.reset_index(drop=True), "documents": docs.reset_index(drop=True),
            "sentences": sentences[keep].reset_index(drop=True)}


def label_counts(documents: pd.DataFrame) -> dict[str, int]:
    """Return how many document × target rows carry each label (all four labels present)."""
    counts = documents["label"].value_counts()
    return {lab: int(counts.get(lab, 0)) for lab in DOC_LABELS}
