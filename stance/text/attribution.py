"""Tell reported speech from the article's own voice.

A sentence that quotes or attributes ("..., he said", "according to", "accused") carries
someone else's position; the article may not adopt it. Such sentences are weighted down
in document aggregation (``aggregate.quote_weight``), a choice measured on the news dev
gold (see README, "How good is it").
"""

from __future__ import annotations

import re

SPEECH_VERBS = (
    r"said|says|say|told|tells|tell|stated|states|added|adds|noted|notes|claimed|claims|claim"
    r"|accused|accuses|accuse|alleged|alleges|warned|warns|insisted|insists|argued|argues"
    r"|denied|denies|declared|declares|asserted|asserts|charged|charges|contended|contends"
    r"|acknowledged|acknowledges|admitted|admits|announced|announces|tweeted|tweets|wrote|writes"
    r"|responded|responds|replied|replies|vowed|vows|threatened|threatens|condemned|condemns"
    r"|called|calls|described|describes|urged|urges|blamed|blames|praised|praises|criticized"
    r"|criticised|criticizes|criticises|slammed|slams|dismissed|dismisses|suggested|suggests"
    r"|explained|explains|believes|believed|thinks|thought|reported|reports|quoted"
    # verbs that report a third party's evaluation rather than speech: "Hamas's leader thanked
    # Iran" is the leader's stance, which the article may not share (nouns such as "thanks",
    # "brands", "demands" are left out: "thanks to" and "Iran's demands" are the own voice)
    r"|thanked|welcomed|welcomes|hailed|hails|lauded|lauds|commended|commends|applauded"
    r"|applauds|congratulated|congratulates|denounced|denounces|decried|decries|lambasted|lambasts"
    r"|rebuked|rebukes|branded|labeled|labelled|mocked|mocks|ridiculed|ridicules|demanded"
    r"|pledged|stressed|reiterated|reiterates|expressed|expresses"
)
ATTRIBUTION = re.compile(
    rf"\b(?:{SPEECH_VERBS})\b|\baccording\s+to\b|\bin\s+a\s+statement\b|\bin\s+an\s+interview\b"
    r"|\bspokes(?:man|woman|person)\b|\bquoted\s+as\b|\bsources?\s+(?:said|say|told)\b",
    re.IGNORECASE,
)
QUOTE = re.compile(r"[“”\"]|(?:^|\s)[‘'][A-Z][^’']{10,}[’']")


def attribution_cue(sentence: str) -> str:
    """Return the cue that marks ``sentence`` as reported speech, or "" for the own voice.

    Cues are a quotation mark or an attribution phrase (a speech verb, "according to",
    "in a statement", "spokesman").
    """
    m = QUOTE.search(sentence)
    if m:
        return "quote"
    m = ATTRIBUTION.search(sentence)
    return m.group(0).lower() if m else ""


def is_attributed(sentence: str) -> bool:
    """Return True when ``sentence`` reports someone else's words or view."""
    return bool(attribution_cue(sentence))
