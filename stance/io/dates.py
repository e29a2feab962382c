"""Dates in imported articles: ISO, US month/day/year, worded ("March 3, 2019"), rewritten to ISO with the rule named."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from stance.io.import_records import EXAMPLES, Article, ImportReport

_MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], start=1)}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_WORDY = re.compile(r"^(?:\w+,\s*)?([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$|^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$")

#: Dates outside these years are treated as malformed (a crawler's "0001-01-01").
MIN_YEAR, MAX_YEAR = 1900, date.today().year + 1


def _make_date(y: int, m: int, d: int) -> str:
    """Return YYYY-MM-DD or '' when the parts are not a real date in the allowed years."""
    if not MIN_YEAR <= y <= MAX_YEAR:
        return ""
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return ""


def parse_date(raw: str) -> tuple[str, str]:
    """Return ``(YYYY-MM-DD or '', status)``; status is iso, reformatted, missing or malformed.

    Accepts ISO dates and datetimes, ``YYYY/MM/DD``, US ``M/D/YY(YY)`` (two-digit years
    are 20YY; a first number above 12 is read as the day) and ``Month D, YYYY`` /
    ``D Month YYYY``.
    """
    s = raw.strip()
    if not s:
        return "", "missing"
    if m := _ISO.match(s):
        iso = _make_date(int(m[1]), int(m[2]), int(m[3]))
        return (iso, "iso" if iso == s else "reformatted") if iso else ("", "malformed")
    if m := _YMD_SLASH.match(s):
        iso = _make_date(int(m[1]), int(m[2]), int(m[3]))
    elif m := _US.match(s):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        y = y + 2000 if y < 100 else y
        iso = _make_date(y, a, b) if a <= 12 else _make_date(y, b, a)
    elif m := _WORDY.match(s):
        month, day, year = (m[1], m[2], m[3]) if m[1] else (m[5], m[4], m[6])
        mon = _MONTHS.get(month.lower())
        iso = _make_date(int(year), mon, int(day)) if mon else ""
    else:
        iso = ""
    return (iso, "reformatted") if iso else ("", "malformed")


def normalise_dates(articles: list[Article], report: ImportReport) -> None:
    """Rewrite each article's date as YYYY-MM-DD, emptying malformed ones, and count them."""
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for a in articles:
        raw = a.fields["date"]
        a.fields["date"], status = parse_date(raw)
        counts[status] += 1
        if status in ("reformatted", "malformed") and len(examples.setdefault(status, [])) < EXAMPLES:
            examples[status].append(f"{a.id}: {raw!r} -> {a.fields['date'] or 'missing'}")
    report.dates = {k: counts.get(k, 0) for k in ("iso", "reformatted", "missing", "malformed")}
    report.date_examples = examples
    if counts["malformed"]:
        report.warnings.append(f"{counts['malformed']} malformed date(s) kept as missing, e.g. "
                               + "; ".join(examples["malformed"][:3]))
