"""Loaders for the labelled stance and NLI datasets in ``../shared/datasets``.

(Over 400 lines on purpose: one short loader per public set, each holding that set's quirks
next to the others; split by set family if more sets come.)

Every stance loader returns a :class:`pandas.DataFrame` with the columns
``text, target, label, dataset, split`` where ``label`` is one of ``favor``, ``against``,
``none``. Target-sentiment sets (NewsMTSC, directed_sentiment_news) are mapped
positive → favor, negative → against, neutral → none. Split names are normalised to
``train`` and ``val`` (``dev``/``valid``/``validation`` are accepted as aliases of ``val``).

NLI loaders (:func:`load_nli`) return ``premise, hypothesis, label`` with labels
``entailment``/``neutral``/``contradiction``. Only SNLI (dev/test) and CAD-SNLI are
offered: SICK and ANLI are non-commercial and must not train the committed model.

Each folder's ``SOURCE.txt`` documents the quirks handled here: gzip everywhere,
SemEval-2016 is Windows-1252 with old-Mac CR line endings, VAST uses 0/1/2 in train and
strings in dev, directed_sentiment_news is a header-less TSV with entity-bracketed text.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from stance import settings

log = logging.getLogger(__name__)
STANCE_LABELS = ("favor", "against", "none")
NLI_LABELS = ("entailment", "neutral", "contradiction")
COLUMNS = ["text", "target", "label", "dataset", "split"]

#: Label spellings accepted by :func:`load_labelled_file` (lower-cased) and by the loaders.
_LABEL_MAP = {
    "favor": "favor",
    "favour": "favor",
    "pro": "favor",
    "positive": "favor",
    "against": "against",
    "con": "against",
    "negative": "against",
    "none": "none",
    "neutral": "none",
}
_SPLIT_ALIASES = {"dev": "val", "valid": "val", "validation": "val"}


class DatasetError(ValueError):
    """A dataset is missing, unknown or malformed; the message names the file and the problem."""


def default_data_root() -> Path:
    """Return the shared-data root: ``<repo>/../shared/datasets``."""
    return settings.REPO_DIR.parent / "shared" / "datasets"


def _root(data_root: str | Path | None) -> Path:
    return Path(data_root) if data_root is not None else default_data_root()


def _norm_split(split: str) -> str:
    s = split.strip().lower()
    return _SPLIT_ALIASES.get(s, s)


def _read_text(path: Path, encoding: str = "utf-8") -> str:
    """Read a (possibly gzipped) text file, normalising CR and CRLF line endings to LF."""
    if not path.is_file():
        raise DatasetError(f"dataset file {path} does not exist")
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    # cp1252 leaves 0x81/0x8D/0x8F/0x90/0x9D undefined; SemEval has a few such stray bytes
    text = raw.decode(encoding, errors="replace" if encoding == "cp1252" else "strict")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_csv(path: Path, encoding: str = "utf-8", **kwargs) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(_read_text(path, encoding)), dtype=str, keep_default_na=False, **kwargs)


def _finish(df: pd.DataFrame, name: str, split: str) -> pd.DataFrame:
    """Strip text, drop empty rows and duplicates, and add ``dataset``/``split``."""
    out = df[["text", "target", "label"]].copy()
    out["text"] = out["text"].astype(str).str.strip()
    out["target"] = out["target"].astype(str).str.strip()
    out = out[(out["text"] != "") & (out["target"] != "") & out["label"].isin(STANCE_LABELS)]
    out = out.drop_duplicates(["text", "target", "label"]).reset_index(drop=True)
    out["dataset"] = name
    out["split"] = split
    return out[COLUMNS]


def _map_labels(values: pd.Series, mapping: dict[str, str], path: Path) -> pd.Series:
    keys = values.astype(str).str.strip().str.lower()
    bad = sorted(set(keys) - set(mapping))
    if bad:
        raise DatasetError(f"{path}: unexpected label(s) {bad[:5]}; expected {sorted(mapping)}")
    return keys.map(mapping)


# --- individual stance loaders ------------------------------------------------------------


def _onecol_csv(folder: str, text_col: str = "Tweet", target_col: str = "Target 1",
                label_col: str = "Stance 1") -> Callable[[Path, str], pd.DataFrame]:
    """Loader for the ZeroStance-style ``{train,val}.csv.gz`` files (COVID-19, WT-WT, IBM)."""

    def load(root: Path, split: str) -> pd.DataFrame:
        path = root / "stance_train" / folder / f"{split}.csv.gz"
        df = _read_csv(path)
        return pd.DataFrame({
            "text": df[text_col],
            "target": df[target_col],
            "label": _map_labels(df[label_col], _LABEL_MAP, path),
        })

    return load


def _load_pstance(root: Path, split: str) -> pd.DataFrame:
    frames = []
    for who in ("trump", "biden", "bernie"):
        path = root / "stance_train" / "pstance" / f"raw_{split}_{who}.csv.gz"
        df = _read_csv(path)
        frames.append(pd.DataFrame({
            "text": df["Tweet"], "target": df["Target"],
            "label": _map_labels(df["Stance"], _LABEL_MAP, path),
        }))
    return pd.concat(frames, ignore_index=True)


def _load_vast(root: Path, split: str) -> pd.DataFrame:
    if split == "train":
        path = root / "stance_train" / "vast" / "vast_train.csv.gz"
        df = _read_csv(path)
        mapping = {"0": "against", "1": "favor", "2": "none"}
        return pd.DataFrame({
            "text": df["post"], "target": df["topic_str"],
            "label": _map_labels(df["label"], mapping, path),
        })
    path = root / "stance_train" / "vast" / "vast_dev.csv.gz"
    df = _read_csv(path)
    return pd.DataFrame({
        "text": df["Tweet"], "target": df["Target 1"],
        "label": _map_labels(df["Stance 1"], _LABEL_MAP, path),
    })


def _load_semeval(root: Path, split: str) -> pd.DataFrame:
    path = root / "stance_train" / "semeval2016_task6" / f"{split}.csv.gz"
    df = _read_csv(path, encoding="cp1252")
    return pd.DataFrame({
        "text": df["Tweet"], "target": df["Target"],
        "label": _map_labels(df["Stance"], _LABEL_MAP, path),
    })


def _load_newsmtsc(root: Path, split: str) -> pd.DataFrame:
    path = root / "stance_train" / "newsmtsc" / f"{split}.jsonl.gz"
    polarity = {2.0: "against", 4.0: "none", 6.0: "favor"}
    rows = []
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        for tgt in rec["targets"]:
            pol = float(tgt["polarity"])
            if pol not in polarity:
                raise DatasetError(f"{path} line {lineno}: unexpected polarity {pol}")
            rows.append((rec["sentence_normalized"], tgt["mention"], polarity[pol]))
    return pd.DataFrame(rows, columns=["text", "target", "label"])


_BRACKET = re.compile(r"\[([^\[\]]+)\]")


def _dsn_clean(sentence: str) -> tuple[str, list[str]]:
    """Remove the ``[entity]`` brackets; return the text and the entities as they read.

    The brackets sometimes cut a word (``[the United State]s``), so an entity that ends in
    a letter is extended to the end of its word; a trailing apostrophe is dropped.
    """
    entities: list[str] = []
    out: list[str] = []
    pos = 0
    for m in _BRACKET.finditer(sentence):
        out.append(sentence[pos:m.start()])
        ent = m.group(1)
        end = m.end()
        if ent[-1:].isalnum():
            tail = re.match(r"[A-Za-z0-9]+", sentence[end:])
            if tail:
                ent += tail.group(0)
                end += tail.end()
        out.append(ent)
        entities.append(ent.strip().rstrip("’'").strip())
        pos = end
    out.append(sentence[pos:])
    return "".join(out), entities


def _load_dsn(root: Path, split: str) -> pd.DataFrame:
    fname = {"train": "train", "val": "valid", "test": "test"}.get(split, split)
    path = root / "stance_train" / "directed_sentiment_news" / f"{fname}.txt.gz"
    rows = []
    # 0 neutral, 1 positive p->q, 2 positive q->p, 3 negative p->q, 4 negative q->p
    scheme = {"0": ("q", "none"), "1": ("q", "favor"), "2": ("p", "favor"),
              "3": ("q", "against"), "4": ("p", "against")}
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 4 or parts[3].strip() not in scheme:
            raise DatasetError(f"{path} line {lineno}: expected 'sentence<TAB>p<TAB>q<TAB>0-4', got {line[:80]!r}")
        sentence = parts[0].strip()
        if len(sentence) > 1 and sentence[0] == sentence[-1] == '"':
            sentence = sentence[1:-1].replace('""', '"')  # CSV-style quoting left in the TSV
        text, ents = _dsn_clean(sentence)
        side, label = scheme[parts[3].strip()]
        raw = parts[2] if side == "q" else parts[1]
        target = raw.strip().rstrip("’'").strip()
        # prefer the bracketed entity extended to a whole word ("the United States")
        for ent in ents:
            if ent.startswith(target) or target.startswith(ent):
                target = ent
                break
        rows.append((text, target, label))
    return pd.DataFrame(rows, columns=["text", "target", "label"])


#: name -> (loader, available splits)
_STANCE_LOADERS: dict[str, tuple[Callable[[Path, str], pd.DataFrame], tuple[str, ...]]] = {
    "vast": (_load_vast, ("train", "val")),
    "pstance": (_load_pstance, ("train", "val")),
    "ibm_argq_30k_stance": (_onecol_csv("ibm_argq_30k_stance"), ("train", "val")),
    "covid19_stance": (_onecol_csv("covid19_stance"), ("train", "val")),
    "wtwt": (_onecol_csv("wtwt"), ("train", "val")),
    "newsmtsc": (_load_newsmtsc, ("train",)),
    "directed_sentiment_news": (_load_dsn, ("train", "val")),
    "semeval2016_task6": (_load_semeval, ("train",)),
}
#: Sets whose text is news (the product's domain).
NEWS_DATASETS = ("newsmtsc", "directed_sentiment_news")


def available_stance_datasets() -> list[str]:
    """Return the names accepted by :func:`load_stance_dataset`, sorted."""
    return sorted(_STANCE_LOADERS)


def is_labelled_file(name: str) -> bool:
    """Return True when ``name`` is a path to a labelled file (CSV/TSV/JSONL, maybe ``.gz``), not a set name."""
    suffixes = [s.lower() for s in Path(name).suffixes if s.lower() != ".gz"]
    return bool(suffixes) and suffixes[-1] in (".csv", ".tsv", ".jsonl", ".json", ".ndjson")


def stance_splits(name: str) -> tuple[str, ...]:
    """Return the splits available for stance dataset ``name`` (``train`` and maybe ``val``).

    ``name`` may also be a labelled file (see :func:`load_labelled_file`): all of it is ``train``.
    """
    if is_labelled_file(name):
        if not Path(name).is_file():
            raise DatasetError(f"{name}: file does not exist")
        return ("train",)
    if name not in _STANCE_LOADERS:
        raise DatasetError(f"unknown stance dataset {name!r}; known: {', '.join(available_stance_datasets())}")
    return _STANCE_LOADERS[name][1]


def load_stance_dataset(name: str, split: str = "train", data_root: str | Path | None = None) -> pd.DataFrame:
    """Load one split of a labelled stance dataset from ``data_root/stance_train``, or a labelled file.

    Returns a DataFrame with ``text, target, label, dataset, split`` (label in
    favor/against/none), with empty rows and exact duplicates removed. ``split`` is
    ``train`` or ``val`` (aliases ``dev``, ``valid``). Raises :class:`DatasetError` for an
    unknown name or a split the dataset does not have.
    """
    split = _norm_split(split)
    splits = stance_splits(name)
    if split not in splits:
        raise DatasetError(f"stance dataset {name!r} has no {split!r} split here; available: {', '.join(splits)}")
    if is_labelled_file(name):
        return _finish(load_labelled_file(name), Path(name).name, split)
    loader = _STANCE_LOADERS[name][0]
    return _finish(loader(_root(data_root), split), name, split)


# --- NLI --------------------------------------------------------------------------------

_DETOK = [
    (re.compile(r" ([.,!?;:%)\]}])"), r"\1"),
    (re.compile(r"([(\[{$]) "), r"\1"),
    (re.compile(r" (n't|'s|'re|'ve|'m|'ll|'d)\b", re.IGNORECASE), r"\1"),
    (re.compile(r"`` | ''"), '"'),
]


def detokenize(text: str) -> str:
    """Undo PTB-style tokenisation (``"packages ."`` → ``"packages."``) in SNLI text."""
    for pattern, repl in _DETOK:
        text = pattern.sub(repl, text)
    return text.strip()


def available_nli_datasets() -> list[str]:
    """Return the names accepted by :func:`load_nli` (commercially usable sets only)."""
    return ["cad_snli", "snli"]


def load_nli(name: str, split: str, data_root: str | Path | None = None, variant: str = "all_combined") -> pd.DataFrame:
    """Load NLI pairs as a DataFrame ``premise, hypothesis, label`` (+ ``dataset``, ``split``).

    ``name`` is ``snli`` (splits ``dev``/``val``, ``test``; text detokenised) or ``cad_snli``
    (splits ``train``, ``dev``/``val``, ``test``; ``variant`` picks the CAD folder, default
    ``all_combined``). Labels are entailment/neutral/contradiction.
    """
    root = _root(data_root)
    split_l = split.strip().lower()
    if name == "snli":
        file_split = {"val": "dev", "valid": "dev", "validation": "dev"}.get(split_l, split_l)
        if file_split not in ("dev", "test"):
            raise DatasetError(f"snli has only dev and test here (no train split), not {split!r}")
        path = root / "snli_dev_test_esnli" / f"snli_{file_split}.jsonl.gz"
        recs = [json.loads(line) for line in _read_text(path).splitlines() if line.strip()]
        df = pd.DataFrame(recs)[["premise", "hypothesis", "label"]]
        df["premise"] = df["premise"].map(detokenize)
        df["hypothesis"] = df["hypothesis"].map(detokenize)
    elif name == "cad_snli":
        file_split = {"val": "dev", "valid": "dev", "validation": "dev"}.get(split_l, split_l)
        if file_split not in ("train", "dev", "test"):
            raise DatasetError(f"cad_snli has train, dev and test, not {split!r}")
        path = root / "cad_snli" / variant / f"{file_split}.tsv.gz"
        df = pd.read_csv(io.StringIO(_read_text(path)), sep="\t", quoting=csv.QUOTE_NONE, dtype=str,
                         keep_default_na=False)
        df = df.rename(columns={"sentence1": "premise", "sentence2": "hypothesis", "gold_label": "label"})
        df = df[["premise", "hypothesis", "label"]]
    else:
        raise DatasetError(
            f"unknown NLI dataset {name!r}; known: {', '.join(available_nli_datasets())} "
            "(SICK and ANLI are non-commercial and deliberately not offered)"
        )
    df["label"] = df["label"].str.strip().str.lower()
    df = df[df["label"].isin(NLI_LABELS) & (df["premise"].str.strip() != "") & (df["hypothesis"].str.strip() != "")]
    df = df.drop_duplicates().reset_index(drop=True)
    df["dataset"] = name
    df["split"] = file_split
    return df


# --- generic user files --------------------------------------------------------------------


def test_article_ids() -> set[str]:
    """Return the doc ids of every test-set article (``lab/data/readings/test_gold.csv``)."""
    path = settings.REPO_DIR / "lab" / "data" / "readings" / "test_gold.csv"
    return set(pd.read_csv(path, usecols=["doc_id"])["doc_id"].astype(str)) if path.is_file() else set()


def load_labelled_file(path: str | Path) -> pd.DataFrame:
    """Load a user-supplied CSV or JSONL file (optionally ``.gz``) with ``text, target, label``.

    Labels may be favor/against/none or positive/neutral/negative (any case; ``favour`` and
    ``neutral`` are accepted too) and are normalised to favor/against/none. Raises
    :class:`DatasetError` naming the file and the first offending row (1-based data row for
    CSV, line number for JSONL) for a missing column, an empty field or an unknown label.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: file does not exist")
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    kind = suffixes[-1] if suffixes else ""
    if kind in (".jsonl", ".json", ".ndjson"):
        records, where = [], []
        for lineno, line in enumerate(_read_text(path).splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path} line {lineno}: not valid JSON ({exc.msg})") from exc
            if not isinstance(rec, dict):
                raise DatasetError(f"{path} line {lineno}: expected a JSON object, got {type(rec).__name__}")
            records.append(rec)
            where.append(f"line {lineno}")
        df = pd.DataFrame(records)
    elif kind in (".csv", ".tsv"):
        try:
            df = _read_csv(path, sep="\t" if kind == ".tsv" else ",")
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise DatasetError(f"{path}: cannot parse as {kind[1:].upper()}: {exc}") from exc
        df.columns = [str(c).strip().lower() for c in df.columns]
        where = [f"row {i + 1} (line {i + 2})" for i in range(len(df))]
    else:
        raise DatasetError(f"{path}: unsupported file type {kind or '(none)'!r}; use .csv, .tsv or .jsonl")
    if df.empty:
        raise DatasetError(f"{path}: no rows")
    missing = [c for c in ("text", "target", "label") if c not in df.columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}")
    labels = []
    for i, (text, target, label) in enumerate(zip(df["text"], df["target"], df["label"], strict=True)):
        for col, val in (("text", text), ("target", target)):
            if val is None or (isinstance(val, float) and pd.isna(val)) or not str(val).strip():
                raise DatasetError(f"{path} {where[i]}: empty {col!r}")
        key = str(label).strip().lower() if label is not None else ""
        if key not in _LABEL_MAP:
            raise DatasetError(
                f"{path} {where[i]}: unknown label {label!r}; expected favor/against/none or "
                "positive/neutral/negative (any case)"
            )
        labels.append(_LABEL_MAP[key])
    out = pd.DataFrame({"text": df["text"].astype(str).str.strip(), "target": df["target"].astype(str).str.strip(),
                        "label": labels})
    if "doc_id" in df.columns:
        # rows read from a test-set article never train a model (the test set stays unseen)
        keep = ~df["doc_id"].astype(str).isin(test_article_ids()).to_numpy()
        if not keep.all():
            log.info("%s: %d rows from test-set articles left out", path.name, int((~keep).sum()))
        out = out[keep].reset_index(drop=True)
    out["dataset"] = path.name
    out["split"] = "file"
    return out[COLUMNS]
