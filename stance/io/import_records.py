"""What an import keeps per article and per run (shared by the importer, the date and the duplicate checks)."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Examples kept per kind of problem in the import summary.
EXAMPLES = 5


@dataclass
class Article:
    """One imported row: its fields, input row number and what the checks found."""

    row: int
    fields: dict[str, str]
    clean_chars: int = 0
    removed_share: float = 0.0
    quality: str = ""  # "", "too_short" or "boilerplate"
    duplicate_of: str = ""
    similarity: float = 0.0
    labelled: bool = True
    reason: str = ""

    @property
    def id(self) -> str:
        """The article's id."""
        return self.fields["id"]


@dataclass
class ImportReport:
    """Everything the import learned, turned into ``import_summary.json`` by :meth:`summary`."""

    source_file: str
    mapping: dict[str, str]
    rows_read: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped_lines: list[str] = field(default_factory=list)
    dates: dict[str, int] = field(default_factory=dict)
    date_examples: dict[str, list[str]] = field(default_factory=dict)
    near_misses: list[dict] = field(default_factory=list)
    settings: dict[str, float] = field(default_factory=dict)
