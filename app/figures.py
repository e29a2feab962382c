"""Plotly figures for the dashboard, drawn from the tables :mod:`app.cells` and :mod:`app.timeline` return.

Drawing only: no aggregation happens here. The matrix uses a diverging scale centred on 0
(against red, neutral near-white, favor blue); "not mentioned" cells are grey with a
hatch, so they never read as neutral, and cells resting on few documents are dimmed
with a dotted overlay.

Plotly renders a subset of HTML in every text it draws (``<a href>`` links, ``<b>``, ...), so
every piece of document text (row names, targets, group names in legends and hover) goes
through :func:`app.markup.plot_text` first. The click targets' ``customdata`` keys stay raw
(they are never drawn; the tabs match them against their row keys).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.cells import cell_grid
from app.markup import plot_text
from app.palette import AGAINST_RGB, FAVOR_RGB, NEUTRAL_RGB, NOT_MENTIONED_RGB

COLORSCALE = [[0.0, f"rgb{AGAINST_RGB}"], [0.5, f"rgb{NEUTRAL_RGB}"], [1.0, f"rgb{FAVOR_RGB}"]]
GROUP_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
                "#1f78b4", "#b15928"]
RATING_COLORS = {"left": "#2c7bb6", "center": "#7b3294", "right": "#d7191c"}
ROW_PX, MAX_LABEL = 46, 42


def _short(text: str, width: int = MAX_LABEL) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _rects(mask: np.ndarray) -> tuple[list, list]:
    """Return x/y paths (None-separated) of unit squares centred on the True cells of ``mask``."""
    xs, ys = [], []
    for i, j in zip(*np.nonzero(mask)):
        xs += [j - 0.5, j + 0.5, j + 0.5, j - 0.5, j - 0.5, None]
        ys += [i - 0.5, i - 0.5, i + 0.5, i + 0.5, i - 0.5, None]
    return xs, ys


SPANS = (0.25, 0.5, 1.0)


def score_span(scores: np.ndarray) -> float:
    """Return the colour range ±span for a heatmap of ``scores``: the smallest of 0.25, 0.5, 1 that
    holds every finite score.

    Document scores carry a neutral prior, so source means sit near 0 (−0.15 is a clear lean);
    on a fixed ±1 scale every cell would look white. The colour bar says which span is used.
    """
    s = np.abs(np.asarray(scores, dtype=float))
    top = float(np.nanmax(s)) if np.isfinite(s).any() else 0.0
    return next((x for x in SPANS if top <= x), 1.0)


def _text_color(score: float, state: str, span: float = 1.0) -> str:
    if state == "not_mentioned" or pd.isna(score):
        return "#444"
    if state == "few":
        return "#333"
    return "#fff" if abs(score) > 0.45 * span else "#111"


def matrix_figure(cells: pd.DataFrame, rows: Sequence[str], targets: Sequence[str], title: str = "",
                  labels: Sequence[str] | None = None) -> go.Figure:
    """Heatmap of ``cells`` (from :func:`app.cells.matrix_cells` or ``document_cells``), rows top-down.

    ``labels`` are the row names shown (default: the row keys, shortened).

    Layers: grey hatched not-mentioned cells, the signed-score heatmap, a dotted dimming
    overlay on "few documents" cells, the cell text (label, score, basis), and invisible
    square markers whose ``customdata`` is ``[row, target, hover]`` so a click selects a cell.
    """
    rows, targets = list(rows), list(targets)
    score = cell_grid(cells, rows, targets, "score")
    state = cell_grid(cells, rows, targets, "state")
    text = cell_grid(cells, rows, targets, "text")
    hover = cell_grid(cells, rows, targets, "hover")
    nm = (state == "not_mentioned") | (state == None)  # noqa: E711 - object array, elementwise
    few = state == "few"
    x, y = list(range(len(targets))), list(range(len(rows)))
    hover_tpl = "%{customdata}<extra></extra>"
    span = score_span(np.where(nm, np.nan, score).astype(float))
    colorbar = {"title": {"text": "score<br>favor − against", "side": "right"},
                "tickvals": [-span, -span / 2, 0, span / 2, span],
                "ticktext": [f"−{span:g} against", f"−{span / 2:g}", "0 neutral", f"+{span / 2:g}", f"+{span:g} favor"],
                "len": min(1.0, 0.25 + 0.05 * len(rows))}
    grey = f"rgb{NOT_MENTIONED_RGB}"
    traces = [
        go.Heatmap(x=x, y=y, z=np.where(nm, 0.0, np.nan), colorscale=[[0, grey], [1, grey]], showscale=False,
                   customdata=hover, hovertemplate=hover_tpl, xgap=2, ygap=2, name="not mentioned"),
        go.Heatmap(x=x, y=y, z=np.where(nm, np.nan, score), zmin=-span, zmax=span, zmid=0, colorscale=COLORSCALE, xgap=2,
                   ygap=2, customdata=hover, hovertemplate=hover_tpl, name="score", colorbar=colorbar),
    ]
    for mask, pattern, name in ((nm, {"shape": "/", "fgcolor": "#8a8a8a", "size": 10, "solidity": 0.12}, "not mentioned"),
                                (few, {"shape": ".", "fgcolor": "#8a8a8a", "bgcolor": "rgba(255,255,255,0.45)", "size": 9,
                                       "solidity": 0.06}, "few documents")):
        if mask.any():
            xs, ys = _rects(mask)
            traces.append(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", line={"width": 0}, fillpattern=pattern,
                                     hoverinfo="skip", showlegend=False, name=name))
    ii, jj = np.meshgrid(y, x, indexing="ij")
    present = text != None  # noqa: E711
    colors = np.array([_text_color(s, st, span) for s, st in zip(score[present], state[present])], dtype=object)
    for color in dict.fromkeys(colors):  # one trace per text colour, so a click (selection) never dims the text
        on = colors == color
        font = {"size": 13, "color": color}
        traces.append(go.Scatter(x=jj[present][on], y=ii[present][on], mode="text", text=text[present][on], name="text",
                                 hoverinfo="skip", showlegend=False, textfont=font, selected={"textfont": {"color": color}},
                                 unselected={"textfont": {"color": color}}))
    keys = np.array([[r, t] for r in rows for t in targets], dtype=object).reshape(len(rows), len(targets), 2)
    traces.append(go.Scatter(  # invisible click targets: a click selects the cell (row, target)
        x=jj[present], y=ii[present], mode="markers", name="cells", showlegend=False,
        marker={"symbol": "square", "size": ROW_PX - 6, "opacity": 0},
        customdata=np.column_stack([keys[present], hover[present]]), hovertemplate="%{customdata[2]}<extra></extra>"))
    layout = dict(
        title={"text": plot_text(title), "x": 0, "xref": "paper", "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 10},
               "font": {"size": 15}} if title else None,
        height=130 + ROW_PX * max(len(rows), 1), margin={"l": 10, "r": 10, "t": 80 if title else 40, "b": 10},
        plot_bgcolor="white", font={"size": 13, "color": "#222"},
        xaxis={"tickvals": x, "ticktext": [f"<b>{plot_text(t)}</b>" for t in targets], "side": "top",
               "tickfont": {"size": 14, "color": "#222"},
               "showgrid": False, "zeroline": False, "range": [-0.5, len(targets) - 0.5]},
        yaxis={"tickvals": y, "ticktext": [plot_text(_short(r)) for r in (labels or rows)], "autorange": "reversed",
               "showgrid": False,
               "tickfont": {"size": 13, "color": "#222"},
               "zeroline": False, "range": [len(rows) - 0.5, -0.5]},
        hoverlabel={"align": "left"}, dragmode=False)
    return go.Figure(data=traces, layout=layout)


def time_figure(series: pd.DataFrame, group: str, target: str, freq_label: str) -> go.Figure:
    """Stance of each group toward ``target`` per period: lines with markers and 95% bands,
    with the number of documents per period as bars below.

    Periods resting on few documents get hollow markers (see the ``few`` column).
    """
    data = series[series["target"] == target]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.06)
    for k, (name, g) in enumerate(data.groupby(group, sort=True)):
        color = RATING_COLORS.get(str(name).lower(), GROUP_COLORS[k % len(GROUP_COLORS)])
        label = plot_text(name)
        shown = label.replace("%", "&#37;")  # in a hovertemplate, "%{...}" would be a placeholder
        g = g.sort_values("period")
        ok = g["n_documents"] > 0
        band = g[ok]
        if len(band):
            fig.add_trace(go.Scatter(
                x=list(band["period"]) + list(band["period"])[::-1], y=list(band["ci_high"]) + list(band["ci_low"])[::-1],
                fill="toself", fillcolor=_rgba(color, 0.15), mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False,
                legendgroup=label), row=1, col=1)
        custom = np.stack([g["n_documents"], g["n_documents_total"], g["ci_low"], g["ci_high"], g["confidence"],
                           g["label"], g["n_sentences"]], axis=1)
        fig.add_trace(go.Scatter(
            x=g["period"], y=g["score"].where(ok), mode="lines+markers", name=label, legendgroup=label,
            line={"color": color, "width": 2}, connectgaps=False,
            marker={"size": 8, "color": [("white" if f else color) for f in g["few"]], "line": {"color": color, "width": 2}},
            customdata=custom,
            hovertemplate=(f"<b>{shown}</b> %{{x|%Y-%m}}<br>%{{customdata[5]}} %{{y:+.2f}} "
                           "(95% %{customdata[2]:+.2f} … %{customdata[3]:+.2f}), conf %{customdata[4]:.2f}"
                           "<br>%{customdata[0]} of %{customdata[1]} docs mention it, %{customdata[6]} sentences"
                           "<extra></extra>")),
            row=1, col=1)
        fig.add_trace(go.Bar(x=g["period"], y=g["n_documents"], name=label, legendgroup=label, showlegend=False,
                             marker={"color": _rgba(color, 0.7)},
                             hovertemplate=f"<b>{shown}</b> %{{x|%Y-%m}}: %{{y}} documents<extra></extra>"), row=2, col=1)
    fig.add_hline(y=0, line={"color": "#999", "width": 1, "dash": "dot"}, row=1, col=1)
    fig.update_yaxes(title_text="score", range=[-1.05, 1.05], zeroline=False, row=1, col=1)
    fig.update_yaxes(title_text="docs", row=2, col=1)
    fig.update_layout(title={"text": f"{plot_text(target)}: stance per {freq_label}", "x": 0}, height=460, barmode="group",
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.12},
                      hovermode="closest", plot_bgcolor="white")
    fig.update_xaxes(showgrid=True, gridcolor="#eee")
    return fig


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
