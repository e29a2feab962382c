"""HTML the dashboard shows: target mentions, label badges, evidence excerpts, marked document text, compare panels.

Every function escapes each piece of document text first and only then adds our own
tags, so a document containing ``<script>`` is shown as text. Each returns an HTML string.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import pandas as pd

from app.evidence import Panel
from app.labels import LABEL_TEXT, fmt_score, shorten
from app.palette import NOT_MENTIONED_RGB, score_css, score_rgb
from stance.text.targets import TargetMatcher


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


def badge_html(label: str, score: float | None = None, human: bool = False) -> str:
    """Return a coloured label badge (``favor +0.31``), marked ✎ human when a person set the label."""
    rgb = NOT_MENTIONED_RGB if label == "not_mentioned" else score_rgb(
        {"favor": 0.75, "against": -0.75, "neutral": 0.0}.get(label, 0.0))
    fg = "#fff" if label in ("favor", "against") else "#222"
    score_txt = "" if score is None or pd.isna(score) else f" {fmt_score(score)}"
    mark = ' <span title="label set by a person">✎ human</span>' if human else ""
    style = (f"background:rgb{rgb};color:{fg};padding:1px 8px;border-radius:10px;"
             "border:1px solid rgba(0,0,0,0.25);font-weight:600;white-space:nowrap")
    return f'<span class="badge" style="{style}">{html.escape(LABEL_TEXT.get(label, label))}{score_txt}{mark}</span>'


def excerpt_html(item: dict, matchers: Iterable[TargetMatcher]) -> str:
    """Return one evidence excerpt (an :func:`app.evidence.evidence_items` item) as an HTML card.

    The card holds the highlighted sentence, its score and the document it comes from.
    """
    quoted = " · quoted/attributed" if item.get("attributed") else ""
    raw = (f" (model {fmt_score(float(item['raw_score']))}, taken relative to the other targets it names)"
           if item.get("raw_score") is not None else "")
    meta = f"{html.escape(shorten(str(item.get('title') or ''), 80))} · {html.escape(str(item.get('date') or 'undated'))}"
    return (f'<div class="excerpt" style="border-left:5px solid {score_css(item["score"], 0.9)};padding:4px 8px;margin:6px 0">'
            f'<div>{highlight_html(str(item["text"]), matchers)}</div>'
            f'<div style="font-size:0.8em;color:#555">score {fmt_score(float(item["score"]))}{raw}{quoted} · '
            f'sentence {int(item["sent_idx"])} of {html.escape(str(item.get("doc_id", "")))} · {meta}</div></div>')


def marked_text_html(clean_text: str, sentences: Sequence[str], scores: dict[int, float],
                     matchers: Iterable[TargetMatcher], other: Iterable[int] = ()) -> str:
    """Return the cleaned text as HTML with each scored sentence coloured by its score.

    Sentences are located in order in ``clean_text`` (so paragraph breaks survive); a
    sentence in ``scores`` (``sent_idx`` → score) gets a background from the diverging scale
    and a tooltip with its index and score, one in ``other`` (scored toward another target)
    a dotted underline. Everything is escaped; mentions are highlighted.
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
            out.append(f'<span class="scored" data-sent="{idx}" title="sentence {idx}: score {fmt_score(s)}" '
                       f'style="background:{score_css(s)};border-radius:3px">{body}</span>')
        elif idx in other:
            out.append(f'<span class="other" data-sent="{idx}" style="border-bottom:1px dotted #888">{body}</span>')
        else:
            out.append(body)
        pos = at + len(sent)
    out.append(_plain(clean_text[pos:]))
    return "".join(out)


def _plain(text: str) -> str:
    """Return ``text`` escaped, its line breaks as ``<br>``."""
    return html.escape(text).replace("\n", "<br>")


def panel_html(panel: Panel, matchers: list[TargetMatcher]) -> str:
    """Return one side-by-side column of a :class:`app.evidence.Panel`: badge, basis, interval and the strongest excerpts."""
    basis = (f"{panel.n_documents} of {panel.n_documents_total} documents mention it · {panel.n_sentences} sentences"
             + (f" · confidence {panel.confidence:.2f} · 95% interval {panel.ci_low:+.2f} … {panel.ci_high:+.2f}"
                if panel.n_documents else ""))
    human = f" · ✎ {panel.n_human} human label(s)" if panel.n_human else ""
    body = "".join(excerpt_html(it, matchers) for it in panel.excerpts) or "<i>No evidence sentences.</i>"
    return (f"<div>{badge_html(panel.label, panel.score if panel.n_documents else None)}</div>"
            f"<div class='basis'>{html.escape(basis)}{human}</div>{body}")
