"""The README and docs/ stay true: configs load, commands run, tabs exist, links resolve, the README stays short."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest

from stance.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
#: Where the dashboard's tab labels live (the pages may move between the two).
TAB_SOURCES = [ROOT / "dashboard.py", *sorted((ROOT / "app" / "pages").glob("*.py"))]
MAX_README_LINES = 160
#: ``python -m MODULE [SUBCOMMAND]``; a module name never ends in a dot or runs into a placeholder.
COMMAND = re.compile(r"\bpython3?\s+-m\s+([A-Za-z_][\w.]*)(?![\w.<])(?:[ \t]+([a-z][\w-]*)(?![\w./]))?")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def prose(text: str) -> str:
    """Return markdown without fenced code blocks and inline code (where brackets are not links)."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """Return GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(md: Path) -> set[str]:
    """Return the anchors of every heading in a markdown file."""
    text = FENCE.sub("", md.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)}


# ------------------------------------------------------------------ configs


def test_every_config_the_readme_and_docs_name_loads():
    text = "\n".join(p.read_text(encoding="utf-8") for p in [README, *DOCS])
    configs = sorted(set(re.findall(r"--config\s+(lab/configs/[\w./-]+\.toml)", text)))
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


# ------------------------------------------------------------------ commands


def readme_commands() -> list[tuple[str, str | None]]:
    """Return each distinct (module, following word) of the README's ``python -m`` commands."""
    return sorted({(m.group(1), m.group(2)) for m in COMMAND.finditer(README.read_text(encoding="utf-8"))},
                  key=lambda c: (c[0], c[1] or ""))


def run_help(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


@cache
def helps() -> dict[tuple[str, ...], subprocess.CompletedProcess]:
    """``--help`` of every README module and of every subcommand it names, run in parallel once."""
    modules = sorted({m for m, _ in readme_commands()})
    with ThreadPoolExecutor(max_workers=4) as pool:
        out = dict(zip([(m,) for m in modules], pool.map(run_help, modules)))
        # a following word is a subcommand when the module's usage lists it among its choices
        subs = sorted({(m, w) for m, w in readme_commands() if w and w in subcommands(out[(m,)].stdout)})
        out.update(zip(subs, pool.map(lambda s: run_help(*s), subs)))
    return out


def subcommands(help_text: str) -> set[str]:
    """Return the subcommands an argparse usage line lists as ``{a,b,c}`` outside ``[...]`` (option choices)."""
    usage = help_text.split("\n\n", 1)[0]
    while re.search(r"\[[^\[\]]*\]", usage):
        usage = re.sub(r"\[[^\[\]]*\]", "", usage)
    return {name for group in re.findall(r"\{([\w,-]+)\}", usage) for name in group.split(",")}


def test_the_readme_names_its_commands():
    names = {" ".join(filter(None, c)) for c in readme_commands()}
    for expected in ("stance label", "stance import", "stance calibrate", "pytest", "lab eval"):
        assert expected in names, f"README lost `python -m {expected}`"


#: Running ``--help`` of every README command takes ~20 s on 2 cores (the lab's parsers import torch).
slow = pytest.mark.slow


@slow
@pytest.mark.parametrize("module", sorted({m for m, _ in readme_commands()}))
def test_every_readme_module_exists_and_its_help_works(module):
    assert importlib.util.find_spec(module) is not None, module
    done = helps()[(module,)]
    assert done.returncode == 0 and "usage" in done.stdout.lower(), (module, done.stderr[-2000:])


@slow
@pytest.mark.parametrize("command", [c for c in readme_commands() if c[1]], ids=lambda c: " ".join(c))
def test_every_readme_subcommand_help_works(command):
    module, word = command
    done = helps().get(command)
    if done is None:  # not a subcommand: fine for a module without any (the word is an argument)
        assert not subcommands(helps()[(module,)].stdout), f"`python -m {module} {word}`: no such subcommand"
        return
    assert done.returncode == 0 and "usage" in done.stdout.lower(), (command, done.stderr[-2000:])


def test_every_module_the_docs_name_exists():
    missing = {f"{md.name}: python -m {m.group(1)}" for md in DOCS
               for m in COMMAND.finditer(md.read_text(encoding="utf-8"))
               if importlib.util.find_spec(m.group(1)) is None}
    assert not missing, sorted(missing)


def test_subcommands_come_from_the_usage_line_only():
    usage = "usage: python -m x [-h] [--engine {local,ray}] [--d N[:M] [N[:M] ...]] {label,import} ...\n\nx {a,b}"
    assert subcommands(usage) == {"label", "import"}


def test_the_command_pattern_reads_commands_as_meant():
    found = [m.groups() for m in COMMAND.finditer(
        "`.venv/bin/python -m stance label corpus/x --out y` python3 -m venv .venv "
        "python -m pytest -m 'not slow' python -m lab.<package>.<module> python -m lab.tuning.tune_documents --repeats 3")]
    assert found == [("stance", "label"), ("venv", None), ("pytest", None), ("lab.tuning.tune_documents", None)]


# ------------------------------------------------------------------ dashboard tabs


def readme_tabs() -> list[str]:
    """Return the tab names of the README's dashboard tour: ``* **Name** — ...`` in "## The dashboard"."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## The dashboard\s*$(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, "README has no '## The dashboard' section"
    return re.findall(r"^\* \*\*(.+?)\*\* —", section.group(1), re.M)


def source_strings() -> set[str]:
    """Return every string literal in the dashboard entry point and its page modules."""
    return {node.value for path in TAB_SOURCES for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def declared_tabs() -> list[str]:
    """Return the tab labels the dashboard declares (``TABS = [...]`` or the keys of ``PAGES = {...}``)."""
    for path in TAB_SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ("TABS", "PAGES")
                                                    for t in node.targets):
                items = node.value.keys if isinstance(node.value, ast.Dict) else getattr(node.value, "elts", [])
                labels = [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]
                if labels:
                    return labels
    return []


def test_every_tab_the_readme_names_is_a_tab_of_the_app():
    tabs = readme_tabs()
    assert len(tabs) >= 5, tabs
    strings = source_strings()
    unknown = [t for t in tabs if t not in strings]
    assert not unknown, f"README names tabs that are no string in dashboard.py or app/pages: {unknown}"


def test_the_readme_tours_every_tab():
    declared = declared_tabs()
    if not declared:
        pytest.skip("no TABS or PAGES literal in dashboard.py or app/pages (tab list built another way)")
    assert readme_tabs() == declared


# ------------------------------------------------------------------ length and links


def test_readme_is_short():
    n = len(README.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_README_LINES, f"README.md has {n} lines; move detail to docs/"


@pytest.mark.parametrize("md", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(md):
    bad = []
    for target in LINK.findall(prose(md.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][\w+.-]*:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        dest = (md.parent / path).resolve() if path else md
        if not dest.exists():
            bad.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert not bad, bad


def test_docs_exist_and_the_readme_links_each():
    names = {p.name for p in DOCS}
    assert {"evaluation.md", "experiments.md", "architecture.md", "tables.md"} <= names
    readme = README.read_text(encoding="utf-8")
    assert not [n for n in names if f"docs/{n}" not in readme], "a docs/ page the README does not link"


def test_the_link_checker_sees_links_and_anchors(tmp_path):
    (tmp_path / "a.md").write_text("# Top: one (two)\n\n[ok](#top-one-two) [file](a.md) [gone](b.md) "
                                   "`[code](c.md)` [web](https://x.org)\n")
    text = prose((tmp_path / "a.md").read_text())
    assert LINK.findall(text) == ["#top-one-two", "a.md", "b.md", "https://x.org"]
    assert anchors(tmp_path / "a.md") == {"top-one-two"}
