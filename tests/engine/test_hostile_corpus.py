"""A hostile corpus: paths out of the folder, links, binary files, impossible dates and huge documents.

Every file is built in ``tmp_path``; nothing outside it is read (the "secret" a manifest tries to
reach is a file beside the corpus folder).
"""

from __future__ import annotations

import codecs
import json
import os
import random
import time

import pytest

from stance.io.corpus import MAX_DOCUMENT_CHARS, CorpusError, load_corpus
from stance.text.clean import clean_text, is_tweet
from stance.text.sentences import PIECE_CHARS, _segmenter, paragraph_sentences, split_sentences

SECRET = "TOP SECRET password line"


@pytest.fixture()
def corpus_dir(tmp_path):
    """A corpus folder with one good document, and a secret file beside it (outside the folder)."""
    (tmp_path / "secret.txt").write_text(SECRET)
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Iran said hello.")
    return folder


def _manifest(folder, *files):
    rows = [f"d{i},{f},Src,,,,en" for i, f in enumerate(files)]
    (folder / "manifest.csv").write_text("id,file,source,title,url,date,language\n" + "\n".join(rows) + "\n")


def _refused(folder) -> str:
    with pytest.raises(CorpusError) as err:
        load_corpus(folder)
    assert SECRET not in str(err.value)
    return str(err.value)


# ---------------------------------------------------------------- paths and links


@pytest.mark.parametrize("name", ["../secret.txt", "../../../../etc/passwd", "sub/../../secret.txt", "..\\secret.txt"])
def test_manifest_paths_that_climb_out_are_refused(corpus_dir, name):
    _manifest(corpus_dir, "a.txt", name)
    msg = _refused(corpus_dir)
    assert f"row 3 names file {name!r}" in msg and "'..'" in msg


def test_manifest_absolute_path_is_refused(corpus_dir):
    target = str(corpus_dir.parent / "secret.txt")
    _manifest(corpus_dir, "a.txt", target)
    msg = _refused(corpus_dir)
    assert f"row 3 names file {target!r}, which is an absolute path" in msg


def test_manifest_link_out_of_the_folder_is_refused_and_a_link_inside_is_read(corpus_dir):
    os.symlink(corpus_dir.parent / "secret.txt", corpus_dir / "innocent.txt")
    os.symlink(corpus_dir / "a.txt", corpus_dir / "alias.txt")
    _manifest(corpus_dir, "alias.txt", "innocent.txt")
    msg = _refused(corpus_dir)
    assert "row 3 names file 'innocent.txt', which is a link to" in msg and "outside the corpus folder" in msg
    _manifest(corpus_dir, "alias.txt")
    assert load_corpus(corpus_dir).documents[0].text == "Iran said hello."


def test_manifest_dangling_link_and_loop_are_named(corpus_dir):
    os.symlink(corpus_dir / "gone.txt", corpus_dir / "dangling.txt")
    os.symlink(corpus_dir / "loop2.txt", corpus_dir / "loop1.txt")
    os.symlink(corpus_dir / "loop1.txt", corpus_dir / "loop2.txt")
    _manifest(corpus_dir, "dangling.txt", "loop1.txt")
    msg = _refused(corpus_dir)
    assert "row 2 names file 'dangling.txt', which is a dangling link" in msg
    assert "row 3 names file 'loop1.txt', which is a link loop" in msg


def test_bare_folder_names_every_entry_it_skips(corpus_dir):
    (corpus_dir / "page.html").write_text("<p>Iran</p>")
    (corpus_dir / "nested").mkdir()
    (corpus_dir / "nested" / "b.txt").write_text("Israel said no.")
    os.symlink(corpus_dir / "gone.txt", corpus_dir / "dangling.txt")
    os.symlink(corpus_dir / "loop2.txt", corpus_dir / "loop1.txt")
    os.symlink(corpus_dir / "loop1.txt", corpus_dir / "loop2.txt")
    os.symlink(corpus_dir.parent / "secret.txt", corpus_dir / "out.txt")
    corpus = load_corpus(corpus_dir)
    assert [d.id for d in corpus.documents] == ["a"]
    assert all(SECRET not in d.text for d in corpus.documents)
    (warning,) = corpus.warnings
    assert "skipped 6 file(s): " in warning
    for part in ("dangling.txt (dangling link)", "loop1.txt (link loop)", "loop2.txt (link loop)",
                 "nested (folder; nested folders are not read)", "out.txt (link leaving the folder)",
                 "page.html (.html: only .txt/.md files are read)"):
        assert part in warning, (part, warning)


# ---------------------------------------------------------------- binary content


@pytest.mark.parametrize("data,why", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "a NUL byte at byte 8"),
    (bytes(range(1, 32)) * 40 + b"Iran", "control characters"),
])
def test_binary_file_named_txt_is_refused(corpus_dir, data, why):
    (corpus_dir / "photo.txt").write_bytes(data)
    msg = _refused(corpus_dir)
    assert "photo.txt: binary content" in msg and why in msg and "not a text document" in msg
    _manifest(corpus_dir, "a.txt", "photo.txt")
    assert "photo.txt: binary content" in _refused(corpus_dir) and "manifest row 3" in _refused(corpus_dir)


def test_binary_table_is_refused_and_utf16_text_is_read(tmp_path):
    table = tmp_path / "docs.csv"
    table.write_bytes(b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 64)
    with pytest.raises(CorpusError, match=r"docs\.csv: binary content .*not a CSV or JSON-lines table"):
        load_corpus(table)
    note = tmp_path / "note.txt"
    note.write_bytes(codecs.BOM_UTF16_LE + "Iran’s view, in UTF-16.".encode("utf-16-le"))
    corpus = load_corpus(note)
    assert corpus.documents[0].text == "Iran’s view, in UTF-16." and corpus.warnings == []


# ---------------------------------------------------------------- dates


def test_impossible_dates_are_kept_undated_with_one_warning(tmp_path):
    p = tmp_path / "docs.csv"
    p.write_text("id,source,date,text\n"
                 "a,S,2024-13-45,Iran.\nb,S,yesterday,Iran.\nc,S,2024-02-30,Iran.\n"
                 "d,S,2020-01-02,Iran.\ne,S,\"March 3, 2019\",Iran.\nf,S,,Iran.\ng,S,1066-10-14,Iran.\n")
    corpus = load_corpus(p)
    assert [d.date for d in corpus.documents] == ["", "", "", "2020-01-02", "2019-03-03", "", ""]
    (warning,) = corpus.warnings
    assert "4 impossible or unreadable date(s) kept as undated" in warning
    assert "row 2 (id 'a') '2024-13-45'" in warning and "row 3 (id 'b') 'yesterday'" in warning
    assert "row 4 (id 'c') '2024-02-30'" in warning and "and 1 more" in warning


def test_impossible_dates_in_jsonl_and_manifest(tmp_path):
    p = tmp_path / "docs.jsonl"
    p.write_text("\n".join(json.dumps({"id": i, "text": "Iran.", "date": d})
                           for i, d in (("x", "2021-04-31"), ("y", "2021-04-30"))))
    corpus = load_corpus(p)
    assert [d.date for d in corpus.documents] == ["", "2021-04-30"]
    assert "1 impossible or unreadable date(s)" in corpus.warnings[0] and "row 1 (id 'x') '2021-04-31'" in corpus.warnings[0]
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "a.txt").write_text("Iran.")
    (folder / "manifest.csv").write_text("id,file,source,date\na,a.txt,S,2024-02-30\n")
    corpus = load_corpus(folder)
    assert corpus.documents[0].date == "" and "row 2 (id 'a') '2024-02-30'" in corpus.warnings[0]


# ---------------------------------------------------------------- size


def test_documents_over_the_size_limit_are_refused_by_name(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Iran said yes. " * (MAX_DOCUMENT_CHARS // 15 + 10))
    with pytest.raises(CorpusError, match=r"big\.txt: 2,000,\d{3} characters of text, over the limit of 2,000,000"):
        load_corpus(big)
    assert len(load_corpus(big, max_chars=3_000_000).documents[0].text) > MAX_DOCUMENT_CHARS
    with pytest.raises(CorpusError, match=r"big\.txt: 2,000,\d{3} bytes, over the limit of 1,000 characters"):
        load_corpus(big, max_chars=1000)  # far over: refused unread
    table = tmp_path / "docs.jsonl"
    table.write_text(json.dumps({"id": "long", "text": "Israel. " * 200}) + "\n" + json.dumps({"id": "ok", "text": "Iran."}))
    with pytest.raises(CorpusError, match=r"docs\.jsonl: row 1 \(id 'long'\): 1,599 characters of text"):
        load_corpus(table, max_chars=1000)


# ---------------------------------------------------------------- long text


def _prose(n_chars: int, seed: int = 0) -> str:
    """One line of sentences (some with abbreviations) of about ``n_chars`` characters."""
    rng = random.Random(seed)
    words = "Iran Israel the U.S. talks resumed on Monday after officials said that sanctions would remain".split()
    out, n = [], 0
    while n < n_chars:
        s = " ".join(rng.choice(words) for _ in range(rng.randint(6, 24))).capitalize() + rng.choice([".", "!", "?"])
        out.append(s)
        n += len(s) + 1
    return " ".join(out)[:n_chars]


def _check_split(text: str, sentences) -> None:
    assert all(text[s.start:s.end] == s.text for s in sentences)
    assert all(len(s.text) <= PIECE_CHARS for s in sentences)
    assert "".join(s.text for s in sentences).replace(" ", "") == text.replace(" ", "")  # nothing lost


def test_long_paragraph_is_split_with_pysbd_boundaries():
    para = _prose(30_000, seed=1)
    seg = _segmenter("en")
    whole = [s.strip() for s in seg.segment(para) if s.strip()]  # pysbd on the whole paragraph (quadratic)
    assert [s.strip() for s in paragraph_sentences(seg, para) if s.strip()] == whole
    _check_split(para, split_sentences(para))


def test_200kb_one_line_document_splits_in_linear_time():
    text = _prose(200_000)
    t0 = time.perf_counter()
    sentences = split_sentences(text)
    print(f"200 KB one-line document: {len(sentences)} sentences in {time.perf_counter() - t0:.1f}s "
          "(unbounded pysbd: about 35 s)")
    _check_split(text, sentences)
    unbroken = "x" * 120_000 + " tail"
    pieces = split_sentences(unbroken)
    assert [len(s.text) for s in pieces] == [PIECE_CHARS] * 24 + [4] and pieces[-1].text == "tail"


@pytest.mark.slow
def test_1mb_one_line_document_is_prepared_in_seconds():
    from stance.io.corpus import Document
    from stance.settings import load_settings
    from stance.text.prepare import prepare_document
    from stance.text.targets import build_matchers

    text = _prose(1_000_000, seed=2)
    t0 = time.perf_counter()
    prepared = prepare_document(Document("big", "S", text), build_matchers(load_settings(environ={}).targets))
    print(f"1 MB one-line document: cleaned, split into {len(prepared.sentences)} sentences and matched in "
          f"{time.perf_counter() - t0:.1f}s (unbounded pysbd: over 2 minutes)")
    assert len(prepared.sentences) > 8000 and prepared.units
    _check_split(prepared.clean.text, prepared.sentences)


def test_tweet_rule_is_linear_on_a_long_line():
    assert is_tweet("— Jane Doe (@jane) March 3, 2019") and is_tweet("see pic.twitter.com/abc")
    assert not is_tweet("Jane Doe (@jane) March 3, 2019") and not is_tweet("—(@jane) March 3, 2019")
    line = "Iran said — the U.S. (@x) denied it. " * 27_000  # a dash and "(@" everywhere: minutes with one regex
    t0 = time.perf_counter()
    cleaned = clean_text(line)
    print(f"1 MB line with dashes and handles cleaned in {time.perf_counter() - t0:.2f}s")
    assert cleaned.text == line.strip()
