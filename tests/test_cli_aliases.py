"""The old command names keep working for one release: ``python -m stance eval|train|bench`` run the lab's."""

from __future__ import annotations

import subprocess
import sys

import pytest

from stance.settings import REPO_DIR


@pytest.mark.slow
@pytest.mark.parametrize("command", ["eval", "train", "bench"])
def test_old_names_forward_to_the_lab_with_a_note(command):
    proc = subprocess.run([sys.executable, "-m", "stance", command, "--help"], cwd=REPO_DIR, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"'python -m stance {command}' is now 'python -m lab {command}'" in proc.stderr
    assert f"usage: python -m lab {command}" in proc.stdout


def test_the_engine_help_lists_its_commands_and_the_moved_ones(capsys):
    from stance.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in ("label", "import", "calibrate", "eval", "train", "bench"):
        assert name in out
    assert "moved: python -m lab" in out
