"""Settings: one place for every knob, with defaults, a file, environment variables and flags.

Precedence, lowest to highest: ``stance/settings.toml`` (the shipped defaults), a user file
(``--config FILE`` or ``STANCE_CONFIG``), environment variables ``STANCE_<KEY>``, then
explicit overrides (CLI flags). Nested keys use a double underscore in the environment:
``STANCE_AGGREGATE__NEUTRAL_THRESHOLD=0.2``.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DEFAULTS_FILE = PACKAGE_DIR / "settings.toml"
#: The project's own trained model (committed) and the shared baseline used as a fallback.
OWN_MODEL_DIR = REPO_DIR / "models" / "stance-minilm-news"
#: Small hub NLI model used by model = "auto" when no local model exists (needs internet).
HUB_FALLBACK_MODEL = "MoritzLaurer/xtremedistil-l6-h256-zeroshot-v1.1-all-33"
#: Calibrated document heads, one JSON per model fingerprint (see stance.documents.head).
HEADS_DIR = REPO_DIR / "models" / "doc_heads"
BASELINE_MODEL_DIR = REPO_DIR.parent / "shared" / "models" / "stance-nli-minilm-v1"
STANCES = ("favor", "against", "neutral")
DOC_LABELS = ("favor", "against", "neutral", "not_mentioned")


class SettingsError(ValueError):
    """A settings file or value is invalid; the message names the key and the problem."""


#: Aggregation keys added after results were first written, with the value that reproduces
#: what a run written before the key existed did (read by ``AggregateSettings.from_run``).
AGGREGATE_KEYS_ADDED = {"prior_sentences": 0.0, "contrast_weight": 0.0, "strength_weight": 0.0}


@dataclass(frozen=True)
class AggregateSettings:
    """Knobs of sentence → document → source aggregation (see ``stance.documents.aggregate``)."""

    neutral_threshold: float = 0.15
    quote_weight: float = 1.0
    headline_weight: float = 1.0
    # neutral pseudo-sentences added to every document's mean, so a stance resting on one or
    # two sentences needs stronger wording than one held across the article (0 = plain mean)
    prior_sentences: float = 5.0
    # a target's sentence score minus this × the mean score of the other targets the same
    # sentence names: conflict news is negative about every party in it, and the side a
    # sentence takes shows in how it treats one party against the others (0 = raw scores)
    contrast_weight: float = 1.25
    # sentence weight × (1 − p_neutral) ** this: sentences the model reads as taking a side count
    # more than reporting it reads as neutral (0 = every sentence counts the same)
    strength_weight: float = 0.0
    min_confidence: float = 0.0
    top_evidence: int = 3
    method: str = "mean"  # "mean"; "head" (calibrated head, must exist); "auto" (head when one fits the model)

    def label_settings(self) -> dict[str, float]:
        """Return the settings that decide the mean rule's labels (what a confidence calibrator is fitted under)."""
        keys = ("neutral_threshold", "quote_weight", "headline_weight", "prior_sentences", "contrast_weight",
                "strength_weight")
        return {k: float(getattr(self, k)) for k in keys}

    @classmethod
    def from_run(cls, recorded: dict) -> AggregateSettings:
        """Return the settings a run used, from its ``run.json`` ``aggregate`` dict.

        Unknown keys are ignored; a key the run predates takes its value from before it
        existed (``AGGREGATE_KEYS_ADDED``), so old results re-aggregate as they were made;
        an empty dict gives today's defaults.
        """
        known = {f.name for f in fields(cls)}
        given = {k: v for k, v in recorded.items() if k in known}
        if recorded:
            given = {**{k: v for k, v in AGGREGATE_KEYS_ADDED.items() if k not in given}, **given}
        return cls(**given)


@dataclass(frozen=True)
class Settings:
    """Every setting of the engine; build one with :func:`load_settings`."""

    model: str = "auto"
    device: str = "auto"
    batch_size: int = 32
    max_length: int = 160
    threads: int = 0
    cache_dir: str = ".stance_cache"
    context: str = "sentence"
    #: "sentences": a document's label is the document rule over its sentence scores;
    #: "document": the model reads the target's passage (headline, lead, the sentences that name it)
    reader: str = "sentences"
    passage_words: int = 300
    passage_max_length: int = 448
    templates: dict[str, str] = field(default_factory=dict)
    targets: dict[str, list[str]] = field(default_factory=dict)
    aggregate: AggregateSettings = field(default_factory=AggregateSettings)

    def resolved_model(self) -> str:
        """Return the model to load: the setting, or for ``auto`` the own model, the shared
        baseline, or (neither present, e.g. a hosted copy) a small hub model."""
        if self.model != "auto":
            return self.model
        for candidate in (OWN_MODEL_DIR, BASELINE_MODEL_DIR):
            if (candidate / "config.json").is_file():
                return str(candidate)
        # Neither local model: a hosted copy (online) can still score uploads with a small hub model.
        return HUB_FALLBACK_MODEL

    def with_targets(self, names: list[str] | None) -> Settings:
        """Return a copy restricted to (or extended by) the named targets.

        A name that is not configured becomes a new target whose only alias is the name
        itself, so users can add a target on the command line.
        """
        if not names:
            return self
        targets = {n: self.targets.get(n, [n]) for n in names}
        return replace(self, targets=targets)


def _setting_error(key: str, problem: str) -> SettingsError:
    """Return the :class:`SettingsError` ``setting KEY PROBLEM`` (e.g. ``setting batch_size must be ...``).

    The error also carries ``key`` and ``problem``, so the command line can name the flag instead.
    """
    exc = SettingsError(f"setting {key} {problem}")
    exc.key, exc.problem = key, problem
    return exc


_KINDS = {int: "a whole number", float: "a number", str: "text"}


def _coerce(name: str, value: Any, default: Any) -> Any:
    """Convert a file, environment or flag value to the type of ``default``; returns the value.

    Raises :class:`SettingsError` naming ``name`` for a value of the wrong type: text that is not
    a number, a fractional number for a whole-number setting, true/false for a number, a
    number or table where text is expected.
    """
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in {"1", "true", "yes", "on"}
    problem = _setting_error(name, f"must be {_KINDS.get(type(default), type(default).__name__)}, not {value!r}")
    if isinstance(default, (int, float)) and isinstance(value, bool):
        raise problem
    try:
        if isinstance(default, int):
            number = float(value) if isinstance(value, float) else int(str(value).strip())
            if number != int(number):
                raise ValueError(value)
            return int(number)
        if isinstance(default, float):
            return float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise problem from exc
    if isinstance(default, str) and not isinstance(value, str):
        raise problem
    return value


_INF = float("inf")
#: Allowed range of each numeric setting: (lowest, highest, highest included); every value must be finite.
_RANGES: dict[str, tuple[float, float, bool]] = {
    "batch_size": (1, _INF, False),
    "max_length": (16, _INF, False),  # room for the hypothesis and the special tokens
    "passage_max_length": (16, _INF, False),
    "passage_words": (1, _INF, False),
    "threads": (0, _INF, False),
    "aggregate.neutral_threshold": (0.0, 1.0, False),  # document scores lie in [-1, 1]: 1 makes everything neutral
    "aggregate.quote_weight": (0.0, _INF, False),
    "aggregate.headline_weight": (0.0, _INF, False),
    "aggregate.prior_sentences": (0.0, _INF, False),
    "aggregate.contrast_weight": (0.0, _INF, False),
    "aggregate.strength_weight": (0.0, _INF, False),
    "aggregate.min_confidence": (0.0, 1.0, True),
    "aggregate.top_evidence": (0, _INF, False),
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "context": ("sentence", "window"),
    "reader": ("sentences", "document"),
    "aggregate.method": ("auto", "head", "mean"),
}
_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


def _range_problem(value: float, low: float, high: float, high_ok: bool) -> str | None:
    """Return what is wrong with ``value`` for the range ``[low, high]`` (``high`` excluded unless ``high_ok``), or None."""
    if math.isfinite(value) and low <= value <= high and (value < high or high_ok):
        return None
    if math.isinf(high):
        return f"must be a finite number of at least {low}, not {value!r}"
    return f"must be a finite number from {low} to {high}{'' if high_ok else ' (excluded)'}, not {value!r}"


def _check_values(values: dict[str, Any]) -> None:
    """Check numeric ranges and choices of ``values`` (dotted key -> coerced value); returns nothing.

    Raises :class:`SettingsError` naming the first key whose value is out of range, not finite
    (NaN, inf), or not one of its choices.
    """
    for key, limits in _RANGES.items():
        problem = _range_problem(values[key], *limits) if key in values else None
        if problem:
            raise _setting_error(key, problem)
    for key, allowed in _CHOICES.items():
        if key in values and values[key] not in allowed:
            raise _setting_error(key, f"must be one of {', '.join(allowed)}, not {values[key]!r}")
    if "device" in values and not _DEVICE.fullmatch(values["device"]):
        raise _setting_error("device", f"must be auto, cpu, mps, cuda or cuda:N, not {values['device']!r}")
    if "model" in values and not values["model"].strip():
        raise _setting_error("model", "must name a model folder or hub id (or auto), not an empty text")


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if key in ("templates", "aggregate") and isinstance(value, dict):
            out[key] = {**out.get(key, {}), **value}
        else:
            # targets replace wholesale so a user file can drop a default target
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise SettingsError(f"settings file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"settings file {path} is not valid TOML: {exc}") from exc


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith("STANCE_") or key == "STANCE_CONFIG":
            continue
        name = key[len("STANCE_"):].lower()
        if "__" in name:
            section, sub = name.split("__", 1)
            out.setdefault(section, {})[sub] = value
        else:
            out[name] = value
    return out


def _build(data: dict[str, Any]) -> Settings:
    """Return :class:`Settings` from merged ``data`` (defaults, file, environment, flags), every value checked.

    Raises :class:`SettingsError` naming the key for an unknown key, a value of the wrong type,
    a number out of range or not finite, a choice not offered, a template without
    ``{target}``, or no target (or a target with an empty name).
    """
    known = {f.name for f in fields(Settings)}
    unknown = set(data) - known
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    for table in ("aggregate", "templates", "targets"):
        if not isinstance(data.get(table, {}), dict):
            raise _setting_error(table, f"must be a table ([{table}] in the file), not {data[table]!r}")
    agg_data = data.get("aggregate", {})
    agg_known = {f.name: f.default for f in fields(AggregateSettings)}
    bad = set(agg_data) - set(agg_known)
    if bad:
        raise SettingsError(f"unknown aggregate setting(s): {', '.join(sorted(bad))}")
    agg = AggregateSettings(**{k: _coerce(f"aggregate.{k}", v, agg_known[k]) for k, v in agg_data.items()})
    plain = {}
    defaults = Settings()
    for f in fields(Settings):
        if f.name in data and f.name not in ("aggregate", "templates", "targets"):
            plain[f.name] = _coerce(f.name, data[f.name], getattr(defaults, f.name))
    templates = {k: str(v) for k, v in data.get("templates", {}).items()}
    missing = [s for s in STANCES if s not in templates]
    if missing:
        raise SettingsError(f"templates must define {', '.join(STANCES)}; missing {', '.join(missing)}")
    for stance, tpl in templates.items():
        if "{target}" not in tpl:
            raise SettingsError(f"template {stance!r} must contain '{{target}}': {tpl!r}")
    targets = data.get("targets", {})
    if not targets:
        raise SettingsError("at least one target must be configured under [targets]")
    clean_targets = {}
    for name, aliases in targets.items():
        if not str(name).strip():
            raise _setting_error("targets", "must each have a name, not an empty text")
        if isinstance(aliases, str):
            aliases = [a.strip() for a in aliases.split(",") if a.strip()]
        clean_targets[str(name)] = list(dict.fromkeys([str(name), *map(str, aliases)]))
    _check_values({**plain, **{f"aggregate.{k}": getattr(agg, k) for k in agg_data}})
    return Settings(**plain, templates=templates, targets=clean_targets, aggregate=agg)


def load_settings(
    config: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Load settings: shipped defaults < ``config`` file < ``STANCE_*`` env vars < ``overrides``.

    ``config`` defaults to ``$STANCE_CONFIG`` when set. ``overrides`` takes the same keys as
    the TOML file (``None`` values are ignored, so CLI flags that were not given can be
    passed straight through). Returns a frozen :class:`Settings`; raises
    :class:`SettingsError` naming the offending key or file.
    """
    environ = dict(os.environ if environ is None else environ)
    data = _read_toml(DEFAULTS_FILE)
    config = config or environ.get("STANCE_CONFIG")
    if config:
        data = _merge(data, _read_toml(Path(config)))
    data = _merge(data, _env_overrides(environ))
    if overrides:
        data = _merge(data, {k: v for k, v in overrides.items() if v is not None})
    return _build(data)
