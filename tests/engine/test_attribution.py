"""Reported speech vs the article's own voice, on hand-written sentences."""

from __future__ import annotations

import pytest

from stance.text.attribution import attribution_cue, is_attributed


@pytest.mark.parametrize("sentence", [
    "Iran is a threat to the region, Netanyahu said.",
    "According to the State Department, Iran broke the deal.",
    "“Israel will pay,” the commander warned.",
    "The minister accused Washington of hypocrisy.",
    "In a statement, the IRGC denied any role.",
    "Tehran claims the drone was spying.",
    "A spokesman for the Pentagon declined to comment.",
    'He called the deal "the worst ever".',
    "Hamas's leader thanked Iran for its military support.",
    "The Gulf states welcomed Washington's decision.",
    "Rights groups denounced Israel's strikes on the camp.",
])
def test_reported_speech_is_detected(sentence):
    assert is_attributed(sentence), sentence


@pytest.mark.parametrize("sentence", [
    "Iran's economy shrank for a third year.",
    "The strike killed nine people in Sistan and Baluchestan.",
    "Israel's blockade has left Gaza short of fuel.",
    "The decision makes as little sense strategically as it does morally.",
    "America's allies are watching closely.",
    "Iran's brands are unknown abroad.",
])
def test_own_voice_is_not_attributed(sentence):
    assert not is_attributed(sentence), sentence


def test_cue_names_the_trigger():
    assert attribution_cue("Iran is a threat, Netanyahu said.") == "said"
    assert attribution_cue("“No,” he replied.") == "quote"
    assert attribution_cue("Iran grew.") == ""
