"""Corpus loading and every validation error."""

from __future__ import annotations

import gzip
import json

import pytest

from stance.io.corpus import CorpusError, load_corpus
from tests.conftest import SEEDS_DIR


def test_seed_manifest_loads_five_documents_with_inferred_sources():
    corpus = load_corpus(SEEDS_DIR)
    assert len(corpus.documents) == 5
    assert corpus.warnings == []
    sources = {d.source for d in corpus.documents}
    assert len(sources) == 5 and "unknown" not in sources
    assert all(d.text.strip() and d.title for d in corpus.documents)


def _manifest(tmp_path, rows, header="id,file,source,title,url,date,language"):
    (tmp_path / "manifest.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    return tmp_path


def test_manifest_missing_file_is_named(tmp_path):
    (tmp_path / "a.txt").write_text("Iran said hello.")
    _manifest(tmp_path, ["a,a.txt,Src,,,,en", "b,nothere.txt,Src,,,,en"])
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert "nothere.txt" in str(err.value) and "row 3" in str(err.value)


def test_manifest_duplicate_ids(tmp_path):
    (tmp_path / "a.txt").write_text("Iran said hello.")
    _manifest(tmp_path, ["a,a.txt,Src,,,,en", "a,a.txt,Other,,,,en"])
    with pytest.raises(CorpusError, match="repeats id 'a'"):
        load_corpus(tmp_path)


def test_manifest_empty_file(tmp_path):
    (tmp_path / "a.txt").write_text("   \n")
    _manifest(tmp_path, ["a,a.txt,Src,,,,en"])
    with pytest.raises(CorpusError, match=r"a\.txt: file is empty"):
        load_corpus(tmp_path)


def test_wrong_encoding_decodes_with_warning_not_crash(tmp_path):
    (tmp_path / "a.txt").write_bytes("Café in Tehran — Iran’s view".encode("cp1252"))
    _manifest(tmp_path, ["a,a.txt,Src,,,,en"])
    corpus = load_corpus(tmp_path)
    assert corpus.documents[0].text.startswith("Café in Tehran")
    assert any("a.txt" in w and "not valid UTF-8" in w for w in corpus.warnings)


def test_unknown_columns_ignored_with_warning(tmp_path):
    (tmp_path / "a.txt").write_text("Iran said hello.")
    _manifest(tmp_path, ["a,a.txt,Src,,,,en,x"], header="id,file,source,title,url,date,language,colour")
    corpus = load_corpus(tmp_path)
    assert len(corpus.documents) == 1
    assert any("colour" in w for w in corpus.warnings)


def test_csv_table(tmp_path):
    p = tmp_path / "docs.csv"
    p.write_text('id,source,title,date,text\n1,Outlet A,T,2020-01-01,"Israel struck. Iran replied."\n2,Outlet B,,,US text\n')
    corpus = load_corpus(p)
    assert [d.source for d in corpus.documents] == ["Outlet A", "Outlet B"]
    assert corpus.documents[0].date == "2020-01-01"


def test_csv_table_empty_text_and_duplicates_all_reported(tmp_path):
    p = tmp_path / "docs.csv"
    p.write_text("id,source,text\n1,A,\n2,B,ok\n2,C,ok again\n")
    with pytest.raises(CorpusError) as err:
        load_corpus(p)
    msg = str(err.value)
    assert "row 2 (id '1') has empty text" in msg and "repeats id '2'" in msg and "docs.csv" in msg


def test_jsonl_gz_table(tmp_path):
    p = tmp_path / "docs.jsonl.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(json.dumps({"id": "x", "source": "S", "text": "Tehran said no.", "rating": "left"}) + "\n")
    corpus = load_corpus(p)
    assert corpus.documents[0].extra["rating"] == "left"


def test_jsonl_bad_line_named(tmp_path):
    p = tmp_path / "docs.jsonl"
    p.write_text('{"id": "1", "text": "a"}\n{not json\n')
    with pytest.raises(CorpusError, match=r"docs\.jsonl: line 2 is not valid JSON"):
        load_corpus(p)


def test_table_without_text_column(tmp_path):
    p = tmp_path / "docs.csv"
    p.write_text("id,source,body\n1,A,hello\n")
    with pytest.raises(CorpusError, match="no 'text' column"):
        load_corpus(p)


def test_empty_table_file(tmp_path):
    p = tmp_path / "docs.csv"
    p.write_text("")
    with pytest.raises(CorpusError, match="file is empty"):
        load_corpus(p)


def test_bare_folder_uses_file_stems(tmp_path):
    (tmp_path / "reuters.txt").write_text("Israel said yes.")
    (tmp_path / "notes.md").write_text("# Iran\nIran said no.")
    corpus = load_corpus(tmp_path)
    assert sorted(d.source for d in corpus.documents) == ["notes", "reuters"]


def test_bare_folder_empty_file_named(tmp_path):
    (tmp_path / "a.txt").write_text("Israel said yes.")
    (tmp_path / "b.txt").write_text("")
    with pytest.raises(CorpusError, match=r"b\.txt: file is empty"):
        load_corpus(tmp_path)


def test_missing_path():
    with pytest.raises(FileNotFoundError):
        load_corpus("/no/such/corpus")


def test_csv_rows_that_would_merge_or_misalign_are_named(tmp_path):
    from stance.io.corpus import CorpusError, load_corpus

    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text('id,source,text\na,X,"Iran said yes\nb,Y,Israel said no\n')
    with pytest.raises(CorpusError, match="unclosed.csv: a quote opened on line 2 is never closed"):
        load_corpus(unclosed)
    extra = tmp_path / "extra.csv"
    extra.write_text("id,source,text\na,X,Iran said yes\nb,Y,Israel said no,surplus\n")
    with pytest.raises(CorpusError, match="extra.csv: line 3 has 4 cells for 3 columns"):
        load_corpus(extra)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\nnot json\n[1]\n')
    with pytest.raises(CorpusError) as info:
        load_corpus(bad)
    assert [p.split(":")[1].strip() for p in info.value.problems] == ["line 2 is not valid JSON (Expecting value at column 1)",
                                                                      "line 3 is not a JSON object"]
