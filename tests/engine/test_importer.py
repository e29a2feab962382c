"""Tests of ``stance import`` on small hand-made bad files."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from stance.io.corpus import CorpusError, load_corpus
from stance.io.dates import parse_date
from stance.io.importer import import_articles, parse_map_args

WORDS = ("minister talks sanctions nuclear deal embassy talks council vote crisis oil tanker strait drone "
         "strike envoy summit treaty border ceasefire missile agency report officials said").split()


def prose(seed: int, n_words: int = 160) -> str:
    """Return deterministic pseudo-prose: sentences of random words, one paragraph."""
    rng = random.Random(seed)
    sentences = []
    while sum(len(s.split()) for s in sentences) < n_words:
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + ".")
    return " ".join(sentences)


def article(i: int, **kw) -> dict:
    """Return one AllSides-shaped record with distinct text unless overridden."""
    rec = {"id": f"a{i}", "source": f"Outlet {i}", "allsides_bias": "center", "topic": "middle_east",
           "date": f"2019-05-0{i % 9 + 1}", "title": f"Title {i}", "url": f"https://x.test/{i}",
           "authors": "", "text": prose(i)}
    rec.update(kw)
    return rec


def write_jsonl(path: Path, records: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    """Write records (and raw extra lines) as gzip JSON lines."""
    lines = [json.dumps(r) for r in records] + list(extra_lines)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


def flags_by_id(summary: dict) -> dict[str, dict]:
    return {f["id"]: f for f in summary["flagged"]}


def test_clean_file_imports_and_loads(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl.gz", [article(i) for i in range(4)])
    s = import_articles(src, tmp_path / "out")
    assert s["documents"] == s["documents_labelled"] == 4 and s["flagged"] == []
    assert s["mapping"]["rating"] == "allsides_bias"
    corpus = load_corpus(tmp_path / "out")
    assert [d.id for d in corpus.documents] == ["a0", "a1", "a2", "a3"]
    assert corpus.documents[0].extra["rating"] == "center" and corpus.warnings == []
    assert json.loads((tmp_path / "out" / "import_summary.json").read_text())["documents"] == 4


def test_malformed_dates_kept_as_missing_and_reported(tmp_path):
    recs = [article(0, date="2019-13-40"), article(1, date="yesterday"), article(2, date="3/16/19"),
            article(3, date=""), article(4, date="2018-02-03T10:00:00Z"), article(5, date="March 5, 2017")]
    s = import_articles(write_jsonl(tmp_path / "in.jsonl.gz", recs), tmp_path / "out")
    assert s["documents_labelled"] == 6  # a bad date never drops a document
    assert s["dates"] == {"iso": 0, "reformatted": 3, "missing": 1, "malformed": 2}
    assert any("a1: 'yesterday'" in e for e in s["date_examples"]["malformed"])
    assert any("malformed date" in w for w in s["warnings"])
    dates = {d.id: d.date for d in load_corpus(tmp_path / "out").documents}
    assert dates == {"a0": "", "a1": "", "a2": "2019-03-16", "a3": "", "a4": "2018-02-03", "a5": "2017-03-05"}


@pytest.mark.parametrize("raw,expected", [
    ("2020-01-07", ("2020-01-07", "iso")), ("2020-1-7", ("2020-01-07", "reformatted")),
    ("11/10/16", ("2016-11-10", "reformatted")), ("25/12/2019", ("2019-12-25", "reformatted")),
    ("7 Jan 2020", ("2020-01-07", "reformatted")), ("0001-01-01", ("", "malformed")),
    ("2/30/2019", ("", "malformed")), ("  ", ("", "missing")),
])
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


def test_empty_and_near_empty_text_flagged_and_excluded(tmp_path):
    recs = [article(0), article(1, text=""), article(2, text="Share this\nAdvertisement\nShort."), article(3, text=None)]
    s = import_articles(write_jsonl(tmp_path / "in.jsonl.gz", recs), tmp_path / "out", min_chars=100)
    flags = flags_by_id(s)
    assert {k for k, f in flags.items() if f["quality"] == "too_short"} == {"a1", "a2", "a3"}
    assert not any(f["labelled"] for f in flags.values())
    assert s["documents_excluded"] == 3 and s["flags"]["too_short"] == 3
    assert [d.id for d in load_corpus(tmp_path / "out").documents] == ["a0"]
    with gzip.open(tmp_path / "out" / "excluded.jsonl.gz", "rt") as fh:
        excluded = [json.loads(x) for x in fh]
    assert [e["id"] for e in excluded] == ["a1", "a2", "a3"] and excluded[0]["quality"] == "too_short"


def test_boilerplate_flagged_but_labelled(tmp_path):
    links = "\n".join(f"- Related headline number {i}" for i in range(80))
    recs = [article(0), article(1, text=f"{prose(1)}\nRead more:\n{links}")]
    s = import_articles(write_jsonl(tmp_path / "in.jsonl.gz", recs), tmp_path / "out", boilerplate_share=0.5)
    f = flags_by_id(s)["a1"]
    assert f["quality"] == "boilerplate" and f["labelled"] and f["removed_share"] >= 0.5
    assert len(load_corpus(tmp_path / "out").documents) == 2


def test_duplicate_ids_name_file_and_rows(tmp_path):
    recs = [article(0), article(1), article(2, id="a0"), article(3), article(4, id="a1"), article(5, id="a0")]
    src = write_jsonl(tmp_path / "in.jsonl.gz", recs)
    with pytest.raises(CorpusError) as err:
        import_articles(src, tmp_path / "out")
    assert f"{src}: id 'a0' appears on rows 1, 3, 6" in err.value.problems
    assert f"{src}: id 'a1' appears on rows 2, 5" in err.value.problems
    assert not (tmp_path / "out" / "documents.jsonl.gz").exists()


def test_wire_copies_flagged_and_kept(tmp_path):
    wire = prose(100)
    edited = wire.replace("Officials", "Diplomats", 1) + " A local editor added this closing line."
    recs = [article(0, text=wire, date="2019-05-02", source="AP site"),
            article(1, text="  " + wire.upper() + " ", date="2019-05-01", source="Daily A"),  # same normalised text
            article(2, text=edited, source="Daily B"),  # near-identical
            article(3, text=wire, source="Daily A"),  # same outlet as the canonical: a double crawl
            article(4)]
    s = import_articles(write_jsonl(tmp_path / "in.jsonl.gz", recs), tmp_path / "out")
    flags = flags_by_id(s)
    assert "a1" not in flags  # earliest-dated member is the canonical one
    assert flags["a0"]["duplicate_of"] == "a1" and flags["a0"]["similarity"] == 1.0 and flags["a0"]["labelled"]
    assert flags["a2"]["duplicate_of"] == "a1" and 0.9 <= flags["a2"]["similarity"] < 1.0 and flags["a2"]["labelled"]
    assert flags["a3"]["duplicate_of"] == "a1" and not flags["a3"]["labelled"]
    assert s["flags"]["duplicate_clusters"] == 1 and s["flags"]["duplicate_same_outlet"] == 1
    assert s["flags"]["duplicate_same_text"] == 2 and s["flags"]["duplicate_near"] == 1
    assert [d.id for d in load_corpus(tmp_path / "out").documents] == ["a0", "a1", "a2", "a4"]


def test_unknown_columns_warned_and_mapping_applied(tmp_path):
    recs = [{"art_id": f"x{i}", "outlet_name": "O", "body": prose(i), "lean": "left", "source_url": "o.test"}
            for i in range(2)]
    src = write_jsonl(tmp_path / "in.jsonl.gz", recs)
    s = import_articles(src, tmp_path / "out", mapping=parse_map_args(["id=art_id", "outlet_name=source",
                                                                       "text=body", "rating=lean"]))
    assert s["mapping"] == {"id": "art_id", "source": "outlet_name", "rating": "lean", "text": "body"}
    assert any("not imported: source_url" in w for w in s["warnings"])
    docs = load_corpus(tmp_path / "out").documents
    assert docs[0].id == "x0" and docs[0].source == "O" and docs[0].extra["rating"] == "left"


def test_map_to_missing_column_and_no_text_column_are_errors(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl.gz", [{"id": "a", "blurb": prose(1)}])
    with pytest.raises(CorpusError, match="no text column"):
        import_articles(src, tmp_path / "out")
    with pytest.raises(CorpusError, match="has no column 'content'"):
        import_articles(src, tmp_path / "out", mapping={"text": "content"})
    with pytest.raises(CorpusError, match="neither side is a field"):
        parse_map_args(["foo=bar"])


def test_bad_json_lines_error_or_skip(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl.gz", [article(0), article(1)],
                      extra_lines=('{"id": "a9", "text": "cut off', "[1, 2]"))
    with pytest.raises(CorpusError) as err:
        import_articles(src, tmp_path / "out")
    assert any("line 3 is not valid JSON" in p for p in err.value.problems)
    assert any("line 4 is not a JSON object" in p for p in err.value.problems)
    s = import_articles(src, tmp_path / "out", skip_bad_lines=True)
    assert s["rows_read"] == 4 and s["lines_skipped"] == 2 and s["documents_labelled"] == 2
    assert "line 3" in s["skipped_lines"][0]


def test_csv_input_without_ids(tmp_path):
    src = tmp_path / "arts.csv"
    src.write_text(f'source,date,text\nA,2020-02-01,"{prose(1)}"\nB,bad,"{prose(2)}"\n')
    s = import_articles(src, tmp_path / "out")
    assert any("no id column" in w for w in s["warnings"])
    assert [d.id for d in load_corpus(tmp_path / "out").documents] == ["arts-2", "arts-3"]


def test_refuses_to_overwrite_without_force(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl.gz", [article(0)])
    import_articles(src, tmp_path / "out")
    with pytest.raises(CorpusError, match="--force"):
        import_articles(src, tmp_path / "out")
    assert import_articles(src, tmp_path / "out", force=True)["documents"] == 1


def test_cli_import(tmp_path, capsys):
    from stance.cli import main

    src = write_jsonl(tmp_path / "in.jsonl.gz", [article(0), article(1, text="")])
    assert main(["import", str(src), str(tmp_path / "out"), "--min-chars", "50"]) == 0
    out = capsys.readouterr().out
    assert "labelled 1, excluded 1" in out and "too_short 1" in out
    assert main(["import", str(tmp_path / "missing.jsonl"), str(tmp_path / "o2")]) == 2
