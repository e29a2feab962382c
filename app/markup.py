"""HTML the dashboard shows: target mentions, label badges, evidence excerpts, marked document text, compare panels.

Every function escapes each piece of document text first and only then adds our own
tags, so a document containing ``<script>`` is shown as text. Each returns an HTML string.
Document text bound for Markdown (``st.markdown``, captions, alerts) goes through
:func:`md_escape`, bound for Plotly (which renders a subset of HTML: links, bold, ...) through
:func:`plot_text`, and a document's URL through :func:`safe_url`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlsplit

import pandas as pd

from app.evidence import Panel
from app.labels import LABEL_TEXT, fmt_score, shorten
from app.palette import NOT_MENTIONED_RGB, score_css, score_rgb
from stance.text.targets import TargetMatcher

#: Characters that make Markdown (links, images, emphasis, code, maths, tables) when left bare.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()!#|~$^{}])")
#: List markers at the start of a text (``>`` is never one: it becomes ``&gt;``).
_MD_LEADING = re.compile(r"^(\d+(?=[.)])|(?=[-+]))")
#: What GitHub-flavoured Markdown turns into a link by itself (bare addresses and e-mails).
_AUTOLINK = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*:/|\bwww\.|@)")
#: Each autolink trigger with one character written as an HTML entity: shown the same, never linked.
_AUTOLINK_BREAK = {"/": lambda s: s[:-1] + "&#47;", ".": lambda s: s[:-1] + "&#46;", "@": lambda s: "&#64;"}
#: Characters a link target keeps as they are; every other one (spaces, brackets, quotes) is percent-encoded.
_URL_SAFE = "/:?#@&=+,;%~-._"


def md_escape(text: object) -> str:
    """Return ``text`` as Markdown that shows it literally, on one line.

    Line breaks become spaces, ``& < >`` become HTML entities, every character that
    starts a link, an image, emphasis, code or maths is backslash-escaped, and bare
    addresses (``http://``, ``www.``, e-mails) get one character as an entity so they are not
    linked: a title ``![x](http://evil/x.png)`` shows as those characters and never loads an image.
    """
    one_line = re.sub(r"\s*[\r\n]+\s*", " ", str(text))
    escaped = _MD_SPECIAL.sub(r"\\\1", one_line)
    escaped = _MD_LEADING.sub(r"\1\\", escaped)
    return _AUTOLINK.sub(lambda m: _AUTOLINK_BREAK[m[0][-1]](m[0]), html.escape(escaped, quote=False))


def plot_text(text: object) -> str:
    """Return ``text`` escaped for Plotly labels, legends and hover (its ``<a>``, ``<b>``, ... show as text)."""
    return html.escape(str(text), quote=False)


def safe_url(url: object) -> str | None:
    """Return ``url`` percent-encoded for a Markdown link when it is an ``http(s)`` address with a host, else None.

    ``javascript:``, ``data:`` and relative addresses give None; characters that could end the
    link (spaces, brackets, quotes, ``!``) are percent-encoded.
    """
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(text, safe=_URL_SAFE)


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
