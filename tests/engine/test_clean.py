"""Boilerplate cleaning on the seed documents and on hand-made lines."""

from __future__ import annotations

import pytest

from stance.io.corpus import load_corpus
from stance.text.clean import clean_text
from stance.text.sentences import split_sentences
from tests.conftest import SEEDS_DIR

JUNK = [
    "- Iran Soccer",
    "- Discover The Uncensored Truth Becca Leaks Exposed",
    "- YOU MAY ALSO LIKE TO WATCH THIS TRENDING STORY ON YOUTUBE. Waverly Hills Hospital's Horror Story: "
    "The Most Haunted Room 502",
    "Read also:",
    "Related Articles",
    "Leave a Reply",
    "Back to top button",
    "AnalyticsLatest NewsRegionSlideshow",
    "Table of Contents",
    "- The Genesis of a Relationship: Early Recognition and Enduring Bonds",
    "#BREAKING: Pakistan has rejected an offer to give bases to US military against Iran, White house sources. https://t.co/mXyHuNVI3c",
]


@pytest.fixture(scope="module")
def seeds():
    return load_corpus(SEEDS_DIR).documents


def test_seed_junk_lines_are_gone(seeds):
    kept = "\n".join(clean_text(d.text).text for d in seeds)
    removed = {r.text for d in seeds for r in clean_text(d.text).removed}
    for junk in JUNK:
        assert junk not in kept.split("\n"), junk
        assert junk in removed, junk


def test_repeated_lines_dropped_once(seeds):
    seed3 = next(d for d in seeds if d.id == "seed-003")
    c = clean_text(seed3.text)
    kept = c.text.split("\n")
    assert kept.count("Iran says no to nuclear talks during conflict as UN urges restraint") == 1
    assert sum(r.reason == "repeated line" for r in c.removed) == 2


def test_no_body_sentence_is_lost(seeds):
    """Every prose paragraph of the seeds (long lines that are not junk) survives cleaning intact."""
    for d in seeds:
        c = clean_text(d.text)
        kept = set(c.kept_lines)
        removed_texts = {r.text for r in c.removed if r.reason != "repeated line"}
        for line in d.text.split("\n"):
            line = line.strip()
            is_prose = len(line) > 120 and not line.startswith("- ") and "t.co/" not in line
            if is_prose:
                assert line in kept, f"{d.id}: lost body line {line[:80]!r}"
                assert line not in removed_texts


def test_prose_bullets_are_kept():
    text = "Intro line.\n- Iran launched missiles at the base on Tuesday, officials said.\n- Short link"
    c = clean_text(text)
    assert "- Iran launched missiles at the base on Tuesday, officials said." in c.kept_lines
    assert [r.text for r in c.removed] == ["- Short link"]


def test_removed_lines_keep_reason_and_line_number():
    c = clean_text("Body sentence here.\n\nLeave a Reply\nBody sentence here.")
    assert [(r.line_no, r.reason) for r in c.removed] == [(3, "boilerplate"), (4, "repeated line")]
    assert 0 < c.removed_share < 1


def test_sentence_offsets_point_into_text():
    text = "Iran said no. The U.S. disagreed.\nHeading\nIsrael waited."
    sents = split_sentences(text)
    assert [s.text for s in sents] == ["Iran said no.", "The U.S. disagreed.", "Heading", "Israel waited."]
    for s in sents:
        assert text[s.start:s.end] == s.text
    assert [s.paragraph for s in sents] == [0, 0, 1, 2]
