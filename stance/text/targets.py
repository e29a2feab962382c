"""Find target mentions by alias on word boundaries.

Aliases written with a capital letter or a dot ("US", "U.S.", "Trump") match case-
sensitively (so "US" never matches "us", "trump card" is no mention), and also in full
capitals for headlines ("IRAN"). Aliases written in lower case match any case. A mention
inside an excluded phrase ("Latin America", "Washington Post") does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Phrases that contain an alias but do not refer to the target.
EXCLUDE: dict[str, tuple[str, ...]] = {
    "United States": (
        "Latin America", "Latin American", "Latin Americans", "South America", "South American",
        "North America", "North American", "Central America", "Central American", "Americas",
        "African American", "African Americans", "African-American", "African-Americans",
        "Native American", "Native Americans", "Mexican American", "Asian American",
        "Asian Americans", "American Israel Public Affairs", "Washington Post",
        "Washington Times", "Washington Examiner", "Washington Free Beacon", "Washington state",
        "Washington State", "Washington Institute", "Washington Monthly", "George Washington",
        "Denzel Washington", "Donald Trump Jr", "Trump Tower", "Trump Organization",
        "Voice of America", "Bank of America", "Captain America",
    ),
    # People and places named Israel (a congressman, a sheriff, a hospital, a rugby player...):
    # found in the AllSides corpus, where they made up about 130 false mentions.
    "Israel": ("Jerusalem Post", "Times of Israel", "Israel Hayom", "Beit Israel", "Steve Israel",
               "Scott Israel", "Sheriff Israel", "Mr. Israel", "Rep. Israel", "Beth Israel",
               "Israel Folau", "Israel Shamir", "Israel Caballero", "Israel Lugo", "Israel Concha",
               "Israel Sauz"),
    "Iran": ("Iran-Contra",),
}


@dataclass(frozen=True)
class TargetMatcher:
    """Compiled matcher for one target: ``find`` returns the aliases found in a text."""

    name: str
    pattern: re.Pattern[str]
    exclude: re.Pattern[str] | None

    def find(self, text: str) -> list[str]:
        """Return the alias strings that occur in ``text`` (in order, repeats kept)."""
        return [text[a:b] for a, b in self.spans(text)]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return the (start, end) of each alias match in ``text`` that no excluded phrase covers, in order."""
        hits = [m.span() for m in self.pattern.finditer(text)]
        # most sentences name no target: look for excluded phrases only where an alias matched
        excluded = [m.span() for m in self.exclude.finditer(text)] if hits and self.exclude else []
        return [(s, e) for s, e in hits if not any(a <= s and e <= b for a, b in excluded)]

    def mentions(self, text: str) -> bool:
        """Return True when ``text`` mentions the target."""
        return bool(self.find(text))


def _alias_regex(alias: str) -> str:
    body = re.escape(alias).replace(r"\ ", r"\s+")
    if alias != alias.lower():
        upper = re.escape(alias.upper()).replace(r"\ ", r"\s+")
        body = f"(?:{body}|{upper})" if alias.upper() != alias else body
    else:
        body = f"(?i:{body})"
    return rf"(?<![\w.]){body}(?![\w]|\.\w)" if alias.endswith(".") else rf"(?<![\w]){body}(?!\w)"


@lru_cache(maxsize=256)
def build_matcher(name: str, aliases: tuple[str, ...]) -> TargetMatcher:
    """Compile a :class:`TargetMatcher` for target ``name`` from its ``aliases``."""
    ordered = sorted(set(aliases) | {name}, key=len, reverse=True)
    pattern = re.compile("|".join(_alias_regex(a) for a in ordered))
    excl = EXCLUDE.get(name, ())
    # one word-boundary check around the whole alternation, not one per phrase: the same matches,
    # several times faster on the long "United States" list
    body = "|".join(re.escape(e) for e in sorted(excl, key=len, reverse=True))
    exclude = re.compile(rf"(?<!\w)(?:{body})(?!\w)") if excl else None
    return TargetMatcher(name, pattern, exclude)


def build_matchers(targets: dict[str, list[str]]) -> dict[str, TargetMatcher]:
    """Compile one matcher per target from a ``{name: [aliases]}`` mapping."""
    return {name: build_matcher(name, tuple(aliases)) for name, aliases in targets.items()}
