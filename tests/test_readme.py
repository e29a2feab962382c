"""The README's reproduce commands name config files that exist and load."""

from __future__ import annotations

import re
from pathlib import Path

from stance.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_config_the_readme_names_loads():
    configs = sorted(set(re.findall(r"--config\s+(lab/configs/[\w./-]+\.toml)", (ROOT / "README.md").read_text())))
    assert "lab/configs/prior_only.toml" in configs and "lab/configs/plain_mean.toml" in configs
    for rel in configs:
        settings = load_settings(config=str(ROOT / rel), environ={})
        assert settings.targets, rel


def test_comparison_configs_turn_off_what_they_say():
    prior_only = load_settings(config=str(ROOT / "lab/configs/prior_only.toml"), environ={}).aggregate
    plain = load_settings(config=str(ROOT / "lab/configs/plain_mean.toml"), environ={}).aggregate
    assert prior_only.contrast_weight == 0.0 and prior_only.prior_sentences == 5.0
    assert plain.contrast_weight == 0.0 and plain.prior_sentences == 0.0
    assert load_settings(environ={}).aggregate.contrast_weight > 0
