"""Alias matching edge cases."""

from __future__ import annotations

import pytest

from stance.settings import load_settings
from stance.text.targets import build_matchers


@pytest.fixture(scope="module")
def m():
    return build_matchers(load_settings(environ={}).targets)


@pytest.mark.parametrize("text,target,expected", [
    ("Let us talk about it.", "United States", []),
    ("Give US the bases.", "United States", ["US"]),
    ("The U.S. said no.", "United States", ["U.S."]),
    ("U.S.-led strikes", "United States", ["U.S.-led"]),
    ("US-Pakistan ties", "United States", ["US"]),
    ("trade with Latin America grew", "United States", []),
    ("an African American voter", "United States", []),
    ("The Washington Post reported", "United States", []),
    ("Washington responded", "United States", ["Washington"]),
    ("a trump card", "United States", []),
    ("Trump said", "United States", ["Trump"]),
    ("IRAN WARNS ISRAEL", "Iran", ["IRAN"]),
    ("Iran's leaders", "Iran", ["Iran"]),
    ("Iranians protested", "Iran", ["Iranians"]),
    ("Irani restaurant", "Iran", []),
    ("the Islamic Republic said", "Iran", ["Islamic Republic"]),
    ("Islamic  Republic", "Iran", ["Islamic  Republic"]),
    ("IDF soldiers", "Israel", ["IDF"]),
    ("Israelis voted", "Israel", ["Israelis"]),
    ("the Jerusalem Post said", "Israel", []),
    ("Rep. Steve Israel of New York opposed the deal", "Israel", []),
    ("treated at Beth Israel Deaconess", "Israel", []),
    ("Sheriff Scott Israel resigned", "Israel", []),
    ('"We will win," Mr. Israel said.', "Israel", []),
    ("Steve Israel met Israel's prime minister", "Israel", ["Israel"]),
    ("U.S. Ambassador to Israel Martin Indyk", "Israel", ["Israel"]),
])
def test_alias_matching(m, text, target, expected):
    assert m[target].find(text) == expected


def test_user_added_target_matches_its_name():
    s = load_settings(environ={}).with_targets(["Iran", "Pakistan"])
    m = build_matchers(s.targets)
    assert list(m) == ["Iran", "Pakistan"]
    assert m["Pakistan"].find("Pakistan rejected it") == ["Pakistan"]
    assert m["Iran"].find("Tehran replied") == ["Tehran"]
