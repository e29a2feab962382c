"""Human label overrides: file round trip, validation, application and re-aggregation."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from app.cells import matrix_cells
from app.data import top_sources
from app.grouping import group_stance
from app.tables import export_tables
from stance.documents.overrides import (
    OverrideError,
    apply_overrides,
    human_score,
    load_overrides,
    overrides_path,
    read_overrides,
    remove_override,
    set_override,
)
from stance.io.export import tables_to_bytes
from stance.settings import AggregateSettings
from tests.app.dashboard_data import multi_outlet_results

AGG = AggregateSettings()


@pytest.fixture(scope="module")
def docs():
    return multi_outlet_results().documents


def test_missing_file_is_empty(tmp_path):
    table = load_overrides(tmp_path)
    assert table.empty and list(table.columns) == ["doc_id", "target", "label", "note", "created"]


def test_set_replace_and_remove(tmp_path):
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    set_override(tmp_path, "d1", "Iran", "favor", " looks fine ", now=now)
    set_override(tmp_path, "d2", "Iran", "against")
    table = set_override(tmp_path, "d1", "Iran", "neutral", "second thoughts")
    assert len(table) == 2
    back = load_overrides(tmp_path).set_index(["doc_id", "target"])
    assert back.loc[("d1", "Iran"), "label"] == "neutral" and back.loc[("d1", "Iran"), "note"] == "second thoughts"
    assert remove_override(tmp_path, "d1", "Iran")["doc_id"].tolist() == ["d2"]
    assert remove_override(tmp_path, "nope", "Iran")["doc_id"].tolist() == ["d2"]
    assert not list(tmp_path.glob(".overrides-*"))  # no temp files left behind


def test_notes_with_commas_quotes_and_newlines_survive(tmp_path):
    note = 'He said "no", then\nyes, <b>really</b>'
    set_override(tmp_path, "d,1", "United States", "against", note)
    back = load_overrides(tmp_path)
    assert back.loc[0, "note"] == note and back.loc[0, "doc_id"] == "d,1"


def test_invalid_input_is_refused(tmp_path):
    with pytest.raises(OverrideError, match="not one of"):
        set_override(tmp_path, "d1", "Iran", "love")
    with pytest.raises(OverrideError, match="needs a document id"):
        set_override(tmp_path, " ", "Iran", "favor")
    overrides_path(tmp_path).write_text("doc_id,target,label\nd1,Iran,favor\nd2,Iran,maybe\n")
    table, problems = read_overrides(tmp_path)
    assert table["doc_id"].tolist() == ["d1"] and "line 3 has label 'maybe'" in problems[0]
    overrides_path(tmp_path).write_text("doc,target\n")
    assert "lacks column(s) doc_id" in read_overrides(tmp_path).problems[0]


def test_human_score_bands():
    assert human_score("favor", 0.4, 0.15) == 0.4  # confirmation keeps the model's score
    assert human_score("favor", -0.4, 0.15) == 1.0
    assert human_score("against", 0.05, 0.15) == -1.0
    assert human_score("neutral", 0.6, 0.15) == 0.0
    assert human_score("neutral", 0.1, 0.15) == 0.1
    assert np.isnan(human_score("not_mentioned", 0.3, 0.15))
    assert human_score("against", np.nan, 0.15) == -1.0


def test_apply_marks_rows_and_keeps_model_answer(docs):
    row = docs[(docs["label"] == "favor")].iloc[0]
    ov = pd.DataFrame([{"doc_id": row["doc_id"], "target": row["target"], "label": "against", "note": "sarcasm",
                        "created": ""}, {"doc_id": "ghost", "target": "Iran", "label": "favor", "note": "", "created": ""}])
    out = apply_overrides(docs, ov)
    hit = out[(out["doc_id"] == row["doc_id"]) & (out["target"] == row["target"])].iloc[0]
    assert hit["label"] == "against" and hit["score"] == -1.0 and hit["confidence"] == 1.0
    assert hit["label_source"] == "human" and hit["override_note"] == "sarcasm"
    assert hit["label_model"] == "favor" and hit["score_model"] == row["score"]
    assert (out["label_source"] == "human").sum() == 1 and len(out) == len(docs)
    untouched = apply_overrides(docs, None)
    assert (untouched["label_source"] == "model").all() and (untouched["label"] == docs["label"]).all()


def test_override_moves_the_group_table_and_the_export(docs):
    source = top_sources(docs, 1)[0]
    rows = docs[(docs["source"] == source) & (docs["target"] == "Iran") & (docs["label"] != "not_mentioned")]
    ov = pd.DataFrame([{"doc_id": d, "target": "Iran", "label": "favor", "note": "", "created": ""}
                       for d in rows["doc_id"]])
    before = group_stance(apply_overrides(docs, None), "source", AGG).set_index(["source", "target"])
    after_docs = apply_overrides(docs, ov)
    after = group_stance(after_docs, "source", AGG).set_index(["source", "target"])
    assert after.loc[(source, "Iran"), "label"] == "favor" and after.loc[(source, "Iran"), "n_human"] == len(rows)
    assert after.loc[(source, "Iran"), "score"] > before.loc[(source, "Iran"), "score"]
    other = [s for s in after.index.get_level_values(0).unique() if s != source][0]
    assert after.loc[(other, "Iran"), "score"] == pytest.approx(before.loc[(other, "Iran"), "score"], nan_ok=True)
    cells = matrix_cells(after.reset_index(), "source")
    assert "✎" in cells.set_index(["row", "target"]).loc[(source, "Iran"), "text"]
    csv = tables_to_bytes({"documents": export_tables(cells, after_docs, pd.DataFrame(
        columns=["doc_id", "target"]), "source")["documents"]}, "csv").decode()
    assert csv.count(",human,") == len(rows)
