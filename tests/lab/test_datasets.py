"""Dataset loaders: real shared files (skipped when ../shared is absent) and the generic loader's errors."""

from __future__ import annotations

import gzip
import json

import pytest

from lab.training import datasets as ds

DATA = ds.default_data_root()
needs_shared = pytest.mark.data  # skipped without ../shared (tests/conftest.py)

CASES = [(name, split) for name in ds.available_stance_datasets() for split in ds.stance_splits(name)]


@needs_shared
@pytest.mark.parametrize(("name", "split"), CASES)
def test_stance_loader_columns_and_labels(name: str, split: str) -> None:
    df = ds.load_stance_dataset(name, split)
    assert list(df.columns) == ds.COLUMNS
    assert len(df) > 500
    assert set(df["label"]) <= set(ds.STANCE_LABELS)
    assert df["text"].str.len().min() > 0 and df["target"].str.len().min() > 0
    assert not df[["text", "target", "label"]].isna().any().any()
    assert set(df["dataset"]) == {name} and set(df["split"]) == {split}
    assert not df["text"].str.contains("\r").any()


@needs_shared
def test_label_schemes_and_quirks() -> None:
    # SemEval: cp1252 + CR line endings -> the documented 2,914 rows and three labels
    sem = ds.load_stance_dataset("semeval2016_task6")
    assert len(sem) == 2914
    assert sem["label"].value_counts().to_dict() == {"against": 1395, "none": 766, "favor": 753}
    assert sem["target"].nunique() == 5
    # P-Stance and IBM have no neutral class; VAST dev (string labels) and train (0/1/2) have all three
    assert set(ds.load_stance_dataset("pstance", "val")["label"]) == {"favor", "against"}
    assert set(ds.load_stance_dataset("ibm_argq_30k_stance", "val")["label"]) == {"favor", "against"}
    assert set(ds.load_stance_dataset("vast", "dev")["label"]) == set(ds.STANCE_LABELS)
    # NewsMTSC: one row per target mention, polarity 2/4/6 -> against/none/favor
    news = ds.load_stance_dataset("newsmtsc")
    assert news["label"].value_counts()["against"] > news["label"].value_counts()["favor"]
    assert len(news) > 8000
    # directed sentiment: brackets removed, cut entities completed to whole words
    dsn = ds.load_stance_dataset("directed_sentiment_news", "valid")
    assert not dsn["text"].str.contains(r"\[").any()
    assert (dsn["target"] == "the United States").sum() + (dsn["target"] == "United States").sum() > 0
    with pytest.raises(ds.DatasetError, match="no 'val' split"):
        ds.load_stance_dataset("newsmtsc", "val")
    with pytest.raises(ds.DatasetError, match="unknown stance dataset"):
        ds.load_stance_dataset("nope")


@needs_shared
def test_nli_loaders() -> None:
    snli = ds.load_nli("snli", "dev")
    assert len(snli) > 9800
    assert set(snli["label"]) == set(ds.NLI_LABELS)
    assert list(snli.columns[:3]) == ["premise", "hypothesis", "label"]
    assert not snli["premise"].str.contains(r" \.$").any()  # detokenised
    cad = ds.load_nli("cad_snli", "train")
    assert len(cad) > 8000 and set(cad["label"]) == set(ds.NLI_LABELS)
    with pytest.raises(ds.DatasetError, match="non-commercial"):
        ds.load_nli("sick2014", "train")
    with pytest.raises(ds.DatasetError, match="no train"):
        ds.load_nli("snli", "train")


def test_data_root_argument(tmp_path) -> None:
    with pytest.raises(ds.DatasetError, match=str(tmp_path)):
        ds.load_stance_dataset("covid19_stance", "train", data_root=tmp_path)


# --- generic labelled files -----------------------------------------------------------------


def test_labelled_csv_mixed_label_schemes(tmp_path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("text,target,label\nGreat move,Iran,FAVOR\nBad idea,Israel,negative\nIt met,US,Neutral\n"
                    "Fine,US,positive\nNo,US,none\n")
    df = ds.load_labelled_file(path)
    assert list(df.columns) == ds.COLUMNS
    assert df["label"].tolist() == ["favor", "against", "none", "favor", "none"]


def test_labelled_jsonl_gz(tmp_path) -> None:
    path = tmp_path / "mine.jsonl.gz"
    rows = [{"text": "a", "target": "Iran", "label": "Against"}, {"text": "b", "target": "US", "label": "favour"}]
    path.write_bytes(gzip.compress("\n".join(json.dumps(r) for r in rows).encode()))
    assert ds.load_labelled_file(path)["label"].tolist() == ["against", "favor"]


def test_labelled_file_bad_label_names_file_and_row(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text,target,label\nok,Iran,favor\nhmm,Iran,maybe\n")
    with pytest.raises(ds.DatasetError) as err:
        ds.load_labelled_file(path)
    msg = str(err.value)
    assert "bad.csv" in msg and "row 2" in msg and "'maybe'" in msg


def test_labelled_jsonl_errors(tmp_path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x", "target": "Iran", "label": "favor"}\n\n{"text": "y", "target": "Iran", "label": 7}\n')
    with pytest.raises(ds.DatasetError, match=r"bad\.jsonl line 3: unknown label 7"):
        ds.load_labelled_file(path)
    path.write_text('{"text": "x", "target": "Iran", "label": "favor"}\n{not json}\n')
    with pytest.raises(ds.DatasetError, match=r"bad\.jsonl line 2: not valid JSON"):
        ds.load_labelled_file(path)


def test_labelled_file_structure_errors(tmp_path) -> None:
    missing = tmp_path / "missing.csv"
    missing.write_text("text,label\nx,favor\n")
    with pytest.raises(ds.DatasetError, match=r"missing\.csv: missing column\(s\) target"):
        ds.load_labelled_file(missing)
    empty = tmp_path / "empty.csv"
    empty.write_text("text,target,label\nx,Iran,favor\n,Iran,favor\n")
    with pytest.raises(ds.DatasetError, match=r"empty\.csv row 2 \(line 3\): empty 'text'"):
        ds.load_labelled_file(empty)
    other = tmp_path / "data.xlsx"
    other.write_text("x")
    with pytest.raises(ds.DatasetError, match="unsupported file type"):
        ds.load_labelled_file(other)
    with pytest.raises(ds.DatasetError, match="does not exist"):
        ds.load_labelled_file(tmp_path / "nope.csv")
