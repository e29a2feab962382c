"""Pipeline with a tiny model: cache hits, changed documents, exports read back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stance.cli import main
from stance.engines.local import label_corpus
from stance.io.corpus import Corpus, Document, load_corpus
from stance.io.export import FORMATS, read_results, write_results
from stance.scoring.nli import ModelError, load_nli_model
from stance.scoring.scorer import Scorer
from stance.settings import REPO_DIR
from tests.conftest import SEEDS_DIR


def _docs(text2: str = "Israel struck Gaza. Israel said it acted in self-defence.") -> Corpus:
    return Corpus([
        Document("a", "Outlet A", "Iran's missile test alarmed the U.S. and Israel. Nothing else.", title="Iran test"),
        Document("b", "Outlet B", text2),
    ], name="t")


def test_second_run_does_no_model_work(tiny_settings):
    first = label_corpus(_docs(), tiny_settings)
    assert first.run["pairs_scored"] > 0
    scorer = Scorer(tiny_settings)
    second = label_corpus(_docs(), tiny_settings, scorer=scorer)
    assert second.run["pairs_scored"] == 0 and second.run["pairs_cached"] == first.run["target_sentences"]
    assert scorer._model is None  # the model was never even loaded
    pd.testing.assert_frame_equal(first.documents, second.documents)


def test_changed_document_rescores_only_changed_sentences(tiny_settings):
    label_corpus(_docs(), tiny_settings)
    changed = label_corpus(_docs("Israel struck Gaza. Israel later apologised for the strike."), tiny_settings)
    assert changed.run["pairs_scored"] == 1


def test_tables_shape_and_not_mentioned(tiny_settings):
    r = label_corpus(_docs(), tiny_settings)
    assert len(r.documents) == 2 * 3
    docs = r.documents.set_index(["doc_id", "target"])
    assert docs.loc[("b", "Iran"), "label"] == "not_mentioned"
    assert docs.loc[("b", "Israel"), "n_sentences"] == 2
    assert docs.loc[("a", "Iran"), "n_sentences"] == 2  # the title is scored as the headline
    assert set(r.sentences["position"]) <= {"headline", "lead", "body"}
    assert ((r.sentences[["p_favor", "p_against", "p_neutral"]].sum(axis=1) - 1).abs() < 1e-5).all()


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_export_format_reads_back_with_pandas(tiny_settings, tmp_path, fmt):
    r = label_corpus(_docs(), tiny_settings)
    paths = write_results(r, tmp_path, [fmt])
    if fmt == "xlsx":
        sheets = pd.read_excel(tmp_path / "stance.xlsx", sheet_name=None)
        assert set(sheets) == {"sentences", "documents", "sources", "texts", "removed"}
        back = sheets["documents"]
    else:
        back = {"csv": pd.read_csv, "json": pd.read_json, "parquet": pd.read_parquet}[fmt](tmp_path / f"documents.{fmt}")
        assert any(p.name == f"sources.{fmt}" for p in paths)
    assert list(back["label"]) == list(r.documents["label"])
    assert back["score"].round(5).equals(r.documents["score"].round(5))


def test_read_results_roundtrip(tiny_settings, tmp_path):
    r = label_corpus(_docs(), tiny_settings)
    write_results(r, tmp_path, ["parquet"])
    back = read_results(tmp_path)
    pd.testing.assert_frame_equal(back.documents, r.documents)
    pd.testing.assert_frame_equal(back.sentences, r.sentences)
    assert back.run["documents"] == 2
    # sentence context: the premise is the sentence, and Parquet keeps sentence text once (texts)
    on_disk = pd.read_parquet(tmp_path / "sentences.parquet").columns
    assert "premise" not in on_disk and "sentence" not in on_disk
    write_results(r, tmp_path / "csv", ["csv"])  # CSV stays self-contained for people
    assert "sentence" in pd.read_csv(tmp_path / "csv" / "sentences.csv").columns


def test_sentence_text_is_kept_when_texts_do_not_match(tiny_settings, tmp_path):
    r = label_corpus(_docs(), tiny_settings)
    r.sentences.loc[0, "sentence"] = "edited by hand"
    write_results(r, tmp_path, ["parquet"])
    assert "sentence" in pd.read_parquet(tmp_path / "sentences.parquet").columns
    assert read_results(tmp_path).sentences.loc[0, "sentence"] == "edited by hand"


def test_missing_sentence_text_is_a_clear_error(tiny_settings, tmp_path):
    r = label_corpus(_docs(), tiny_settings)
    write_results(r, tmp_path, ["parquet"])
    texts = pd.read_parquet(tmp_path / "texts.parquet")
    texts.iloc[:0].to_parquet(tmp_path / "texts.parquet", index=False)
    with pytest.raises(ValueError, match="lacks"):
        read_results(tmp_path)


def _folder_corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Iran test\n\nIran's missile test alarmed the U.S. and Israel.\nNothing else.\n")
    (folder / "b.txt").write_text("Israel struck Gaza. Israel said it acted in self-defence.\n")
    return folder


def test_texts_are_kept_by_reference_to_the_corpus_and_restored(tiny_settings, tmp_path):
    folder = _folder_corpus(tmp_path)
    r = label_corpus(load_corpus(folder), tiny_settings)
    # run.json keeps the path portable (relative to the repository where it can); it resolves back
    assert (REPO_DIR / r.run["corpus_path"]).resolve() == folder.resolve()
    write_results(r, tmp_path / "out", ["parquet", "csv"])
    on_disk = pd.read_parquet(tmp_path / "out" / "texts.parquet")
    assert "clean_text" not in on_disk and "sentences" not in on_disk and "spans" in on_disk
    assert "clean_text" in pd.read_csv(tmp_path / "out" / "texts.csv").columns  # CSV stays self-contained
    back = read_results(tmp_path / "out")
    assert back.run["texts_from_corpus"] == r.run["corpus_path"]
    pd.testing.assert_frame_equal(back.texts, r.texts, check_dtype=False)
    pd.testing.assert_frame_equal(back.sentences, r.sentences)


def test_texts_by_reference_fail_clearly_when_the_corpus_changed_or_moved(tiny_settings, tmp_path):
    folder = _folder_corpus(tmp_path)
    write_results(label_corpus(load_corpus(folder), tiny_settings), tmp_path / "out", ["parquet"])
    (folder / "b.txt").write_text("Israel struck Gaza again.\n")
    with pytest.raises(ValueError, match="'b' of the corpus .* changed after labelling"):
        read_results(tmp_path / "out")
    (folder / "b.txt").unlink()
    with pytest.raises(ValueError, match="'b' is not in the corpus"):
        read_results(tmp_path / "out")
    import shutil
    shutil.rmtree(folder)
    with pytest.raises(ValueError, match="by reference to the corpus .* which is not there"):
        read_results(tmp_path / "out")


def test_texts_stay_inline_when_the_corpus_does_not_reproduce_them(tiny_settings, tmp_path):
    folder = _folder_corpus(tmp_path)
    r = label_corpus(load_corpus(folder), tiny_settings)
    r.texts.loc[0, "clean_text"] = "edited by hand"
    write_results(r, tmp_path / "out", ["parquet"])
    assert "clean_text" in pd.read_parquet(tmp_path / "out" / "texts.parquet")
    assert "texts_from_corpus" not in read_results(tmp_path / "out").run
    assert read_results(tmp_path / "out").texts.loc[0, "clean_text"] == "edited by hand"


def test_window_premises_are_written_and_read_back(tiny_settings, tmp_path):
    from dataclasses import replace

    r = label_corpus(_docs(), replace(tiny_settings, context="window"))
    assert not r.sentences["premise"].equals(r.sentences["sentence"])
    write_results(r, tmp_path, ["csv"])
    assert "premise" in pd.read_csv(tmp_path / "sentences.csv").columns
    pd.testing.assert_series_equal(read_results(tmp_path).sentences["premise"], r.sentences["premise"])


def test_model_folder_without_entailment_label_is_refused(tmp_path, tiny_model_dir):
    import json
    import shutil
    bad = tmp_path / "bad"
    shutil.copytree(tiny_model_dir, bad)
    cfg = json.loads((bad / "config.json").read_text())
    cfg["id2label"] = {"0": "positive", "1": "negative", "2": "other"}
    cfg["label2id"] = {"positive": 0, "negative": 1, "other": 2}
    (bad / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelError, match="no entailment label"):
        load_nli_model(str(bad))
    with pytest.raises(ModelError, match="does not exist"):
        load_nli_model(str(tmp_path / "missing"))


def test_cli_exit_codes(tmp_path, tiny_model_dir, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.txt").write_text("")
    assert main(["label", str(empty), "--out", str(tmp_path / "o")]) == 2
    assert "a.txt: file is empty" in capsys.readouterr().err
    assert main(["label", str(SEEDS_DIR), "--out", str(tmp_path / "o"), "--model", str(tmp_path / "nope")]) == 3
    assert main(["label", str(SEEDS_DIR), "--out", str(tmp_path / "o"), "--format", "docx"]) == 2


def test_cli_writes_tables_and_prints_matrix(tmp_path, tiny_model_dir, capsys):
    out = tmp_path / "o"
    code = main(["label", str(SEEDS_DIR), "--out", str(out), "--model", str(tiny_model_dir),
                 "--cache-dir", str(tmp_path / "c"), "--format", "csv,json", "--quiet"])
    assert code == 0
    assert (out / "documents.csv").is_file() and (out / "sources.json").is_file()
    code = main(["label", str(SEEDS_DIR), "--out", str(out), "--model", str(tiny_model_dir),
                 "--cache-dir", str(tmp_path / "c"), "--targets", "Iran,Pakistan"])
    printed = capsys.readouterr().out
    assert code == 0 and "Pakistan" in printed and "Israel" not in printed.split("\n")[0]
    assert len(load_corpus(SEEDS_DIR).documents) == 5


def test_fingerprint_sees_changes_past_the_first_megabytes(tmp_path):
    """Two trainings from one base share their frozen embeddings (the first MiBs of the file)."""
    from stance.scoring.nli import model_fingerprint

    head = b"\0" * (3 << 20)
    for name, tail in (("a", b"weights-one"), ("b", b"weights-two")):
        d = tmp_path / name / "model"
        d.mkdir(parents=True)
        (d / "config.json").write_text("{}")
        (d / "model.safetensors").write_bytes(head + tail)
    fa, fb = model_fingerprint(str(tmp_path / "a" / "model")), model_fingerprint(str(tmp_path / "b" / "model"))
    assert fa.startswith("model-") and fb.startswith("model-")
    assert fa != fb
    assert model_fingerprint("org/hub-model") == "org/hub-model"


def test_interrupted_scoring_keeps_finished_chunks(tiny_settings, monkeypatch):
    """A run stopped midway (Ctrl-C) leaves its finished chunks in the cache; the re-run scores only the rest."""
    from stance.scoring import scorer as scoring

    monkeypatch.setattr(scoring, "SCORE_CHUNK", 2)
    premises = [f"Iran sentence number {i} about the talks." for i in range(7)]
    targets = ["Iran"] * 7
    scorer = Scorer(tiny_settings)
    real = scorer.model.stance_probs
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(scorer.model, "stance_probs", flaky)
    with pytest.raises(KeyboardInterrupt):
        scorer.score(premises, targets)
    assert len(scorer.cache) == 4  # two chunks of two were stored before the interrupt
    again = Scorer(tiny_settings)
    counted = []
    full = again.score(premises, targets, progress=counted.append)
    assert again.stats["scored"] == 3 and again.stats["cached"] == 4
    assert sum(counted) == 3  # the bar counts pairs exactly, not passes // 3 per batch
    np.testing.assert_allclose(full, Scorer(tiny_settings).score(premises, targets), atol=1e-6)
