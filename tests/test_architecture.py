"""The three parts keep their direction: the app and the lab import the engine; the engine imports neither."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: part -> top-level packages it must never import
FORBIDDEN = {"stance": {"app", "lab", "dashboard", "tests"}, "app": {"lab", "tests"}, "lab": {"app", "dashboard", "tests"}}


def imported_packages(path: Path) -> set[str]:
    """Return the top-level names a module imports (absolute imports, anywhere in the file)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_no_part_imports_what_it_must_not(part):
    files = sorted((ROOT / part).rglob("*.py"))
    assert files
    bad = {f"{f.relative_to(ROOT)} imports {sorted(imported_packages(f) & FORBIDDEN[part])}"
           for f in files if imported_packages(f) & FORBIDDEN[part]}
    assert not bad, bad


def test_dashboard_entry_imports_only_the_engine_and_the_app():
    assert not imported_packages(ROOT / "dashboard.py") & {"lab", "tests"}


def test_no_relative_imports_and_no_path_tricks():
    # one way to name a module everywhere, and nothing that makes a file importable by accident
    for part in ("stance", "app", "lab", "tests"):
        for f in (ROOT / part).rglob("*.py"):
            if f == Path(__file__):
                continue
            text = f.read_text(encoding="utf-8")
            assert "sys.path.insert" not in text and "sys.path.append" not in text, f
            tree = ast.parse(text)
            assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level], f


def test_the_checker_sees_a_forbidden_import(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import os\nfrom lab.evaluation import golds\n\ndef g():\n    import app.views\n")
    assert imported_packages(f) == {"os", "lab", "app"}


def test_the_architecture_page_lists_every_module():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [str(f.relative_to(ROOT)) for part in ("stance", "app", "lab") for f in sorted((ROOT / part).rglob("*.py"))
               if f"`{f.relative_to(ROOT)}`" not in page]
    assert not missing, f"docs/architecture.md misses {missing}: regenerate its tree with python -m lab.tree"
