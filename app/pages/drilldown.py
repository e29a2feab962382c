"""The Drill-down tab: one document's badges, marked text, sentence scores, removed lines, and a form to correct a label."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from app.cache import load_human_labels, mention_matchers
from app.corpus import Corpus, View
from app.labels import doc_label
from app.markup import badge_html, marked_text_html, md_escape, safe_url
from app.state import flash, keep_valid, seed_from_url, show_flash, write_to_url
from app.tables import document_removed, document_sentences, text_sentences
from app.widgets import download_row, show_html
from stance.documents.overrides import OverrideError, remove_override, set_override
from stance.settings import DOC_LABELS

#: Help texts of the sentence table's number columns.
SCORE_HELP = ("What the document label rests on: the model's score, taken relative to the other targets the same sentence "
              "names (equal to raw_score when it names one)")
WEIGHT_HELP = ("How much the sentence counts in the document score: quote and headline weights × (1 − p_neutral) ^ "
               "strength_weight (settings, [aggregate])")


def render(view: View) -> None:
    """Draw the picked document: badges, cleaned text with scored sentences marked, sentence scores, removed lines, override."""
    c = view.corpus
    first = view.docs.sort_values(["day", "doc_id"], ascending=[False, True]).drop_duplicates("doc_id")
    if first.empty:
        st.info("No documents match the filters.")
        return
    labels = {r["doc_id"]: doc_label(r, 90) for r in first.to_dict("records")}
    keep_valid("doc", list(labels))
    seed_from_url("doc", list(labels))
    doc_id = st.selectbox("Document", list(labels), format_func=lambda d: labels.get(d, d), key="doc")
    write_to_url("doc", doc_id)
    rows = c.documents[c.documents["doc_id"] == doc_id]
    if rows.empty:
        return
    meta = rows.iloc[0]
    st.markdown(document_line(meta, doc_id))
    url = safe_url(meta.get("url"))
    if url:
        st.markdown(f"[original article]({url})")
    badges = " ".join(f"<b>{html.escape(r['target'])}</b> "
                      f"{badge_html(r['label'], r['score'], r['label_source'] == 'human')}"
                      f"<span class='basis'> conf {r['confidence']:.2f}, {int(r['n_sentences'])} sent.</span>&emsp;"
                      for r in rows.to_dict("records"))
    show_html(f"<div>{badges}</div>")
    sent_table = document_sentences(c.sentences, doc_id)
    marked_text(c, doc_id, sent_table)
    st.markdown("**Sentence scores**")
    st.dataframe(sent_table, hide_index=True, width="stretch", height=260,
                 column_config={
                     "score": st.column_config.NumberColumn(format="%+.3f", help=SCORE_HELP),
                     "raw_score": st.column_config.NumberColumn(format="%+.3f", help="p_favor − p_against from the model"),
                     "weight": st.column_config.NumberColumn(format="%.3f", help=WEIGHT_HELP)})
    download_row("sentences", lambda: {"sentences": sent_table}, f"sentences_{doc_id}", len(sent_table))
    removed = document_removed(c.removed, doc_id)
    with st.expander(f"What cleaning removed ({len(removed)} lines)"):
        st.dataframe(removed, hide_index=True, width="stretch")
        download_row("removed lines", lambda: {"removed": removed}, f"removed_{doc_id}", len(removed))
    override_form(c, doc_id, rows)


def document_line(meta: pd.Series, doc_id: str) -> str:
    """Return the Markdown line naming a document: title, source, date, id, rating and topic, each escaped."""
    extra = " · ".join(f"{k}: {md_escape(meta[k])}" for k in ("rating", "topic") if k in meta and str(meta[k] or "").strip())
    return (f"**{md_escape(meta['title'] or '(untitled)')}** — {md_escape(meta['source'])} · "
            f"{md_escape(meta['date'] or 'undated')} · id {md_escape(doc_id)}" + (f" · {extra}" if extra else ""))


def marked_text(c: Corpus, doc_id: str, sent_table: pd.DataFrame) -> None:
    """Draw the target picker and the document's cleaned text with the sentences scored toward that target coloured."""
    clean, sentences = text_sentences(c.texts, doc_id)
    mentioned = [t for t in c.targets if t in set(sent_table["target"])] or c.targets
    keep_valid("dd_target", mentioned)
    target = st.radio("Colour sentences by their score toward", mentioned, horizontal=True, key="dd_target")
    mine = sent_table[sent_table["target"] == target]
    scores = dict(zip(mine["sent_idx"].astype(int), mine["score"].astype(float)))
    other = set(sent_table["sent_idx"].astype(int)) - set(scores)
    with st.container(height=420, border=True):
        marked = marked_text_html(clean, sentences, scores, mention_matchers((target,)), other)
        show_html(f"<div class='doctext'>{marked}</div>")
    st.caption("Highlighted: sentences scored toward the chosen target (blue favor, red against, stronger = more "
               "certain; hover for the score); dotted underline: scored toward another target; yellow: target mentions.")


def override_form(c: Corpus, doc_id: str, rows: pd.DataFrame) -> None:
    """Draw the form that corrects the label of ``doc_id`` toward one target; saved to overrides.csv beside the results."""
    st.markdown("**Correct a label** — saved to `overrides.csv` beside the results, marked ✎ human everywhere.")
    show_flash()
    with st.form("override", clear_on_submit=True, border=True):
        a, b = st.columns(2)
        target = a.selectbox("Target", list(rows["target"]), key="ov_target")
        label = b.selectbox("Human label", list(DOC_LABELS), key="ov_label")
        note = st.text_input("Note (why)", key="ov_note")
        save, drop = st.columns(2)
        saved = save.form_submit_button("Save human label", type="primary")
        removed = drop.form_submit_button("Remove human label")
    if saved or removed:
        try:
            if saved:
                set_override(c.folder, doc_id, target, label, note or "")
                flash("success", f"Saved: {doc_id} × {target} = {label} (✎ human). Every view and export now uses it.")
            else:
                remove_override(c.folder, doc_id, target)
                flash("success", f"Removed the human label of {doc_id} × {target}.")
        except (OverrideError, OSError) as exc:
            st.error(f"Could not save the label: {exc}")
        else:
            load_human_labels.clear()
            st.rerun()
