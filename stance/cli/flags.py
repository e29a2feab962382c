"""The flags that override settings, shared by every model-using command (engine and lab)."""

from __future__ import annotations

import argparse

from stance.settings import Settings, load_settings


def add_settings_flags(p: argparse.ArgumentParser) -> None:
    """Add the flags that override settings to the parser ``p``."""
    g = p.add_argument_group("settings (override stance/settings.toml, --config and STANCE_* env vars)")
    g.add_argument("--config", help="TOML settings file (default: $STANCE_CONFIG)")
    g.add_argument("--model", help="NLI model: local folder or hub id (default: the project's own model)")
    g.add_argument("--device", help="auto, cpu, cuda, cuda:N")
    g.add_argument("--batch-size", type=int, help="pairs per model batch")
    g.add_argument("--max-length", type=int, help="max tokens per premise+hypothesis pair")
    g.add_argument("--threads", type=int, help="torch CPU threads (0 = all cores)")
    g.add_argument("--context", choices=["sentence", "window"], help="score the sentence alone or with the previous one")
    g.add_argument("--cache-dir", help="score cache folder ('' disables the cache)")
    g.add_argument("--no-cache", action="store_true", help="do not read or write the score cache")
    g.add_argument("--targets", help="comma-separated targets (configured ones keep their aliases; new ones match their name)")
    g.add_argument("--neutral-threshold", type=float, help="|document score| below this is neutral")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Return :class:`~stance.settings.Settings` built from parsed flags (absent flags keep the settings)."""
    keys = ("model", "device", "batch_size", "max_length", "threads", "context", "cache_dir")
    overrides = {k: getattr(args, k, None) for k in keys}
    if getattr(args, "no_cache", False):
        overrides["cache_dir"] = ""
    if getattr(args, "neutral_threshold", None) is not None:
        overrides["aggregate"] = {"neutral_threshold": args.neutral_threshold}
    settings = load_settings(getattr(args, "config", None), overrides)
    targets = getattr(args, "targets", None)
    if targets:
        settings = settings.with_targets([t.strip() for t in targets.split(",") if t.strip()])
    return settings
