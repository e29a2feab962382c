"""Remove scraped-page boilerplate from a document, line by line, keeping what was removed.

Scraped articles carry link lists, "read also" blocks, comment forms, navigation strips,
tweet embeds and repeated lines. Each rule below removes whole lines and records why, so
the dashboard can show exactly what was dropped. Rules are deliberately conservative:
a line that reads like a sentence of prose (ends in sentence punctuation and is not a
known boilerplate phrase) is kept even inside a bulleted list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Lines that are boilerplate on their own (case-insensitive, whole line or prefix).
BOILERPLATE_LINE = re.compile(
    r"""^\s*(?:
        (?:you\s+may\s+also\s+like|read\s+also|read\s+more|also\s+read|see\s+also|related\s+articles?
          |related\s+stories|related\s+posts|related\s+coverage|more\s+from|recommended(?:\s+for\s+you)?
          |trending\s+now|most\s+popular|most\s+read|popular\s+posts)\b.*
      | table\s+of\s+contents?\s*:?
      | leave\s+a\s+(?:reply|comment)\s*:?
      | (?:your\s+)?email\s+address\s+will\s+not\s+be\s+published\.?.*
      | back\s+to\s+top(?:\s+button)?
      | (?:share|tweet|email|print)(?:\s+(?:this|on\s+\w+))?\s*
      | (?:sign\s+up|subscribe)\s+(?:for|to)\s+(?:our|the)\s+\w*\s*newsletters?.*
      | advertisement|skip\s+advertisement|story\s+continues\s+below(?:\s+advertisement)?
      | click\s+here\s+to\s+.*
      | follow\s+(?:us|him|her)\s+on\s+(?:twitter|facebook|instagram).*
      | (?:image|photo|video)\s+(?:credit|copyright|source)\s*:.*
      | copyright\s+©.*|©\s*\d{4}.*|all\s+rights\s+reserved\.?
      | [^\w]*
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
#: Headings that open a block of links: the bullet lines right after them go too.
LINK_BLOCK_HEADER = re.compile(
    r"^\s*(?:read\s+also|read\s+more|also\s+read|see\s+also|related(?:\s+\w+)?|table\s+of\s+contents?"
    r"|more\s+from.*|recommended.*|you\s+may\s+also\s+like.*)\s*:?\s*$",
    re.IGNORECASE,
)
BULLET = re.compile(r"^\s*(?:[-*•▪►]|\d+[.)])\s+")
TWEET_LINK = re.compile(r"https?://t\.co/|pic\.twitter\.com/", re.IGNORECASE)
#: A tweet's signature line ends "— Name (@handle) March 3, 2019"; the dash is looked for separately
#: (one regex "—.+\(@..." backtracks over the whole line from every dash: minutes on a 1 MB line).
TWEET_SIGNATURE = re.compile(r"\(@\w+\)\s+\w+\s+\d{1,2},\s+\d{4}", re.IGNORECASE)
#: Navigation strips: short lines of capitalised words glued together ("LatestNewsRegion").
GLUED_WORDS = re.compile(r"[a-z][A-Z]")
SENTENCE_END = re.compile(r"[.!?][\"'”’)]?\s*$")


@dataclass(frozen=True)
class RemovedLine:
    """A line the cleaner dropped: its 1-based number, text and the rule that fired."""

    line_no: int
    text: str
    reason: str


@dataclass
class CleanText:
    """The cleaned text (kept lines joined by newlines) and every removed line."""

    text: str
    kept_lines: list[str] = field(default_factory=list)
    removed: list[RemovedLine] = field(default_factory=list)

    @property
    def removed_share(self) -> float:
        """Share of non-empty characters removed (0–1); high values flag boilerplate pages."""
        kept = sum(len(x) for x in self.kept_lines)
        gone = sum(len(r.text) for r in self.removed)
        return gone / (kept + gone) if kept + gone else 0.0


def _norm(line: str) -> str:
    return re.sub(r"\W+", " ", line).strip().lower()


def _is_nav_strip(line: str) -> bool:
    s = line.strip()
    return (len(s) < 80 and not SENTENCE_END.search(s) and len(s.split()) <= 5
            and len(GLUED_WORDS.findall(s)) >= 2)


def is_tweet(line: str) -> bool:
    """Return whether ``line`` is a tweet embed: a t.co / pic.twitter.com link, or "— Name (@handle) Month D, YYYY".

    Linear in the line's length (the signature must start at least two characters after a dash).
    """
    if TWEET_LINK.search(line):
        return True
    dash = line.find("—")
    return dash >= 0 and TWEET_SIGNATURE.search(line, dash + 2) is not None


def _is_link_bullet(line: str) -> bool:
    """A bullet that reads like a link or headline rather than a sentence of prose."""
    if not BULLET.match(line):
        return False
    body = BULLET.sub("", line).strip()
    if BOILERPLATE_LINE.match(body):
        return True
    return not SENTENCE_END.search(body) or len(body) < 25


def clean_text(text: str) -> CleanText:
    """Remove boilerplate lines from ``text``.

    Takes raw document text; returns a :class:`CleanText` whose ``text`` holds the kept
    lines (blank lines dropped) and whose ``removed`` lists each dropped line with the rule
    that removed it: ``boilerplate``, ``link list``, ``tweet embed``, ``navigation``,
    ``repeated line``.
    """
    kept: list[str] = []
    removed: list[RemovedLine] = []
    seen: set[str] = set()
    in_link_block = False
    for no, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line:
            in_link_block = False
            continue
        reason = ""
        if LINK_BLOCK_HEADER.match(line):
            reason, in_link_block = "boilerplate", True
        elif BOILERPLATE_LINE.match(line):
            reason = "boilerplate"
        elif BULLET.match(line) and (in_link_block or _is_link_bullet(line)):
            reason = "link list"
        elif is_tweet(line):
            reason = "tweet embed"
        elif _is_nav_strip(line):
            reason = "navigation"
        else:
            key = _norm(line)
            if key in seen:
                reason = "repeated line"
            seen.add(key)
        if reason:
            removed.append(RemovedLine(no, line, reason))
            continue
        in_link_block = False
        kept.append(line)
    return CleanText("\n".join(kept), kept, removed)
