"""Uploaded files and pasted text: validation messages, progress, merging (no model needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.uploads import (
    MAX_BYTES,
    ProgressScorer,
    UploadError,
    check_new_ids,
    merge_results,
    pasted_document,
    read_upload,
    score_documents,
)
from stance.io.corpus import Corpus, Document
from stance.scoring.scorer import Scorer
from stance.settings import load_settings
from tests.app.dashboard_data import multi_outlet_results


class FakeScorer(Scorer):
    """Scores without a model: favor when the premise says 'welcomed', else against."""

    def __init__(self):
        self.settings = load_settings(environ={})
        self.model_name = self.fingerprint = "fake"
        self._model, self.cache = None, None
        self.stats = {"pairs": 0, "cached": 0, "scored": 0, "model_seconds": 0.0}

    def score(self, premises, targets, progress=None):
        out = np.array([[0.8, 0.1, 0.1] if "welcomed" in p else [0.1, 0.8, 0.1] for p in premises], dtype=np.float32)
        for _ in premises:
            if progress:
                progress(1)
        return out.reshape(-1, 3)


def test_text_file_becomes_one_document_with_the_given_source():
    corpus = read_upload("my note.txt", b"Iran welcomed the talks.\n", "Blog X")
    (doc,) = corpus.documents
    assert doc.id == "my_note" and doc.source == "Blog X" and doc.origin == "my note.txt"
    assert read_upload("a.md", b"Israel said no.").documents[0].source == "a"


def test_csv_and_jsonl_tables():
    csv = b"id,text,source,title\n1,Iran welcomed it.,,T1\n2,Israel objected.,Paper,T2\n"
    docs = read_upload("batch.csv", csv, "Default").documents
    assert [(d.id, d.source) for d in docs] == [("1", "Default"), ("2", "Paper")]
    jsonl = "\n".join(json.dumps({"id": f"j{i}", "text": "The U.S. welcomed it.", "source": "S"}) for i in range(3))
    assert len(read_upload("b.jsonl", jsonl.encode()).documents) == 3


@pytest.mark.parametrize("name,data,message", [
    ("bad.csv", b"id,body\n1,hello\n", "bad.csv: no 'text' column"),
    ("dup.csv", b"id,text\n1,a\n1,b\n", "dup.csv: row 3 repeats id '1'"),
    ("empty.txt", b"   \n", "empty.txt: file is empty"),
    ("broken.jsonl", b'{"id": 1, "text": "x"}\n{oops\n', "broken.jsonl: line 2 is not valid JSON"),
    ("image.png", b"\x89PNG", "image.png: unsupported file type .png"),
])
def test_bad_files_name_the_file_and_problem(name, data, message):
    with pytest.raises(UploadError) as exc:
        read_upload(name, data)
    assert any(p.startswith(message) for p in exc.value.problems), exc.value.problems
    assert "/tmp" not in str(exc.value)


def test_oversized_file_is_refused():
    with pytest.raises(UploadError, match="limit"):
        read_upload("big.txt", b"x" * (MAX_BYTES + 1))


def test_non_utf8_file_is_decoded_with_a_warning():
    corpus = read_upload("latin.txt", "Iran café".encode("latin-1"))
    assert corpus.documents[0].text.startswith("Iran caf") and "latin.txt" in corpus.warnings[0]


def test_pasted_text_validation():
    doc = pasted_document("Iran welcomed it.", "Desk", "Title", date="2020-01-02")
    assert doc.source == "Desk" and doc.id.startswith("pasted-") and doc.date == "2020-01-02"
    with pytest.raises(UploadError) as exc:
        pasted_document("  ", "", date="02/01/2020")
    assert len(exc.value.problems) == 3


def test_duplicate_ids_are_refused():
    corpus = Corpus([Document("a", "s", "t", origin="a.txt"), Document("b", "s", "t"), Document("b", "s", "t")])
    with pytest.raises(UploadError) as exc:
        check_new_ids(corpus, ["a"])
    assert exc.value.problems[0].startswith("a.txt: document id 'a' is already loaded") and len(exc.value.problems) == 2


def test_score_with_progress_and_merge():
    # a stance held over three sentences per target clears the shipped neutral prior and threshold
    text = ("Iran welcomed the deal. Iran welcomed the talks. Iran welcomed the visit. "
            "Israel objected to it. Israel objected again. Israel objected once more.")
    corpus = Corpus([Document("u1", "Blog", text, title="Deal")])
    ticks = []
    res = score_documents(corpus, load_settings(environ={}), ["Iran", "Israel"], FakeScorer(),
                          callback=lambda done, total: ticks.append((done, total)))
    labels = dict(zip(res.documents["target"], res.documents["label"]))
    assert labels == {"Iran": "favor", "Israel": "against"}
    assert ticks[-1][0] == ticks[-1][1] and all(d <= t for d, t in ticks)
    base = multi_outlet_results()
    merged = merge_results(base, res)
    assert len(merged.documents) == len(base.documents) + 2 and (merged.documents["origin"] == "upload").sum() == 2
    assert len(merged.texts) == len(base.texts) + 1 and merge_results(base, None) is base


def test_progress_scorer_keeps_the_base_model():
    base = FakeScorer()
    base._model = object()
    assert ProgressScorer(base).model is base._model
