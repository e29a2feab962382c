"""Print the package tree with each module's first docstring line and its length (for docs/architecture.md).

    python -m lab.tree            # markdown, the "The tree" section of docs/architecture.md
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("stance", "app", "lab")


def module_lines() -> list[str]:
    """Return one markdown line per module of the three parts: path, line count, first docstring line."""
    out = []
    for part in PARTS:
        out.append(f"\n**{part}/**\n")
        for f in sorted((ROOT / part).rglob("*.py")):
            text = f.read_text(encoding="utf-8")
            doc = (ast.get_docstring(ast.parse(text)) or "").strip().split("\n")[0]
            rel = f.relative_to(ROOT)
            out.append(f"- `{rel}` ({len(text.splitlines())}): {doc}")
    return out


def main() -> int:
    print("\n".join(module_lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
