"""The flags that override settings, shared by every model-using command (engine and lab).

Every value is checked before any work: :func:`settings_from_args` raises
:class:`~stance.settings.SettingsError` (exit code 2, one line) naming the flag when a flag's
value is wrong, or the setting key when the value came from a settings file or the environment.
"""

from __future__ import annotations

import argparse

from stance.scoring.runtime import check_device
from stance.settings import Settings, SettingsError, load_settings

#: The flag that sets each settings key (``aggregate.x`` for nested keys).
FLAG_OF = {
    "model": "--model", "device": "--device", "batch_size": "--batch-size", "max_length": "--max-length",
    "threads": "--threads", "context": "--context", "cache_dir": "--cache-dir",
    "aggregate.neutral_threshold": "--neutral-threshold",
}


def add_settings_flags(p: argparse.ArgumentParser) -> None:
    """Add the flags that override settings to the parser ``p``."""
    g = p.add_argument_group("settings (override stance/settings.toml, --config and STANCE_* env vars)")
    g.add_argument("--config", help="TOML settings file (default: $STANCE_CONFIG)")
    g.add_argument("--model", help="NLI model: local folder or hub id (default: the project's own model)")
    g.add_argument("--device", help="auto, cpu, cuda, cuda:N")
    g.add_argument("--batch-size", type=int, help="pairs per model batch (at least 1)")
    g.add_argument("--max-length", type=int, help="max tokens per premise+hypothesis pair (at least 16)")
    g.add_argument("--threads", type=int, help="torch CPU threads (0 = all cores)")
    g.add_argument("--context", choices=["sentence", "window"], help="score the sentence alone or with the previous one")
    g.add_argument("--cache-dir", help="score cache folder ('' disables the cache)")
    g.add_argument("--no-cache", action="store_true", help="do not read or write the score cache")
    g.add_argument("--targets", help="comma-separated targets (configured ones keep their aliases; new ones match their name)")
    g.add_argument("--neutral-threshold", type=float, help="|document score| at or below this is neutral (0 to 1)")


def comma_list(flag: str, value: str, choices: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Return the distinct, non-empty items of the comma-separated ``value`` of ``flag``, in order.

    With ``choices``, every item must be one of them. Raises :class:`SettingsError` naming the flag
    when no item is left (``""``, ``",,,"``) or an item is not a choice.
    """
    items = list(dict.fromkeys(item.strip() for item in str(value).split(",") if item.strip()))
    offer = f"; choose from {', '.join(choices)}" if choices else ""
    if not items:
        raise SettingsError(f"{flag}: {value!r} names nothing{offer}")
    bad = [item for item in items if choices is not None and item not in choices]
    if bad:
        raise SettingsError(f"{flag}: unknown {', '.join(map(repr, bad))}{offer}")
    return items


def _name_the_flag(exc: SettingsError, given: set[str]) -> SettingsError:
    """Return ``exc`` reworded to name the flag when its key was set by a flag in ``given``, else ``exc``."""
    key = getattr(exc, "key", None)
    if key in given and key in FLAG_OF:
        return SettingsError(f"{FLAG_OF[key]} {exc.problem}")
    return exc


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Return :class:`~stance.settings.Settings` built from parsed flags (absent flags keep the settings).

    Checks every value (flags, settings file, environment) and that a CUDA device is there; raises
    :class:`SettingsError` with one line naming the flag or setting key.
    """
    keys = ("model", "device", "batch_size", "max_length", "threads", "context", "cache_dir")
    overrides = {k: getattr(args, k, None) for k in keys}
    if getattr(args, "no_cache", False):
        overrides["cache_dir"] = ""
    if getattr(args, "neutral_threshold", None) is not None:
        overrides["aggregate"] = {"neutral_threshold": args.neutral_threshold}
    given = {k for k, v in overrides.items() if v is not None and k != "aggregate"}
    given |= {f"aggregate.{k}" for k in overrides.get("aggregate", {})}
    try:
        settings = load_settings(getattr(args, "config", None), overrides)
    except SettingsError as exc:
        raise _name_the_flag(exc, given) from None
    problem = check_device(settings.device)
    if problem:
        raise SettingsError(f"{'--device' if 'device' in given else 'setting device'} {problem}")
    targets = getattr(args, "targets", None)
    if targets is not None:
        settings = settings.with_targets(comma_list("--targets", targets))
    return settings
