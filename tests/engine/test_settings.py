"""Settings precedence: defaults < file < environment < overrides, and clear errors."""

from __future__ import annotations

import pytest

from stance.settings import SettingsError, load_settings


def test_defaults_have_three_targets_and_templates():
    s = load_settings(environ={})
    assert list(s.targets) == ["Iran", "United States", "Israel"]
    assert set(s.templates) == {"favor", "against", "neutral"}
    assert "Tehran" in s.targets["Iran"]


def test_precedence(tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text('batch_size = 8\ncontext = "window"\n[aggregate]\nneutral_threshold = 0.3\n')
    s = load_settings(cfg, environ={})
    assert (s.batch_size, s.context, s.aggregate.neutral_threshold) == (8, "window", 0.3)
    assert s.aggregate.quote_weight == load_settings(environ={}).aggregate.quote_weight
    s = load_settings(cfg, environ={"STANCE_BATCH_SIZE": "16", "STANCE_AGGREGATE__NEUTRAL_THRESHOLD": "0.2"})
    assert (s.batch_size, s.aggregate.neutral_threshold) == (16, 0.2)
    s = load_settings(cfg, overrides={"batch_size": 4, "model": None}, environ={"STANCE_BATCH_SIZE": "16"})
    assert s.batch_size == 4 and s.model == "auto"


def test_config_from_environment(tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text('[targets]\nPakistan = ["Islamabad"]\n')
    s = load_settings(environ={"STANCE_CONFIG": str(cfg)})
    assert s.targets == {"Pakistan": ["Pakistan", "Islamabad"]}


@pytest.mark.parametrize("text,message", [
    ("colour = 1\n", "unknown setting"),
    ("batch_size = 'many'\n", "batch_size"),
    ('context = "paragraph"\n', "context must be"),
    ('[templates]\nfavor = "I like it."\n', "must contain '{target}'"),
    ("[targets\n", "not valid TOML"),
])
def test_bad_settings_name_the_problem(tmp_path, text, message):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_settings(cfg, environ={})


def test_missing_config_file():
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings("/no/such.toml", environ={})
