"""The Add documents tab: upload files or paste text, validate, score with a progress bar, keep them in this session.

:mod:`app.uploads` (and through it the scoring engine) is imported only when this tab is
drawn, so opening the dashboard never loads a model. Uploads over the limits
(:data:`app.uploads.MAX_FILES` files, :data:`app.uploads.MAX_TEXT_CHARS` characters a file)
are refused before any work, and the shared scorer's lock is held only while the model
scores (:class:`app.uploads.ProgressScorer`). Messages name files and rows, escaped for Markdown.
"""

from __future__ import annotations

import streamlit as st

from app.cache import shared_scorer
from app.corpus import View
from app.markup import md_escape
from app.state import flash, show_flash
from stance.settings import load_settings

#: Widget keys of the upload form; emptied after a successful add.
UPLOAD_KEYS = ("files", "up_source", "paste_text", "paste_source", "paste_title", "paste_date")


def render(view: View) -> None:
    """Draw the upload form, add what it sends, and list (with a button to remove) the documents added this session."""
    from app.uploads import MAX_FILES, MAX_TEXT_CHARS, UPLOAD_TYPES

    c = view.corpus
    st.markdown("Add documents to this corpus for this session. They are scored with the same model and targets, then "
                "appear in every view (and in exports). Files: `.txt`/`.md` (one document each) or `.csv`/`.jsonl` "
                f"with a `text` column (and optional `id, source, title, date`); at most {MAX_FILES} files, "
                f"{MAX_TEXT_CHARS:,} characters of text each.")
    if st.session_state.pop("upload_done", False):  # empty the form after a successful add (kept after an error)
        for key in UPLOAD_KEYS:
            st.session_state.pop(key, None)
    with st.form("upload", clear_on_submit=False, border=True):
        files = st.file_uploader("Files", type=list(UPLOAD_TYPES), accept_multiple_files=True, key="files")
        source = st.text_input("Source name for .txt/.md files (and table rows without one)", key="up_source")
        st.markdown("…or paste a text:")
        pasted = st.text_area("Text", key="paste_text", height=140)
        a, b, d = st.columns(3)
        paste_source = a.text_input("Its source", key="paste_source")
        paste_title = b.text_input("Its title", key="paste_title")
        paste_date = d.text_input("Its date (YYYY-MM-DD)", key="paste_date")
        go = st.form_submit_button("Score and add", type="primary")
    show_flash()
    if go:
        add_documents(view, files or [], source or "", pasted or "", paste_source or "", paste_title or "", paste_date or "")
    up = st.session_state.get("uploads", {}).get(c.name)
    if up is not None and len(up.documents):
        first = up.documents.drop_duplicates("doc_id")
        st.markdown(f"**Added in this session:** {len(first)} document(s)")
        st.dataframe(first[["doc_id", "source", "title"]], hide_index=True, width="stretch")
        if st.button("Remove the added documents", key="clear_uploads"):
            st.session_state["uploads"].pop(c.name, None)
            st.session_state["upload_token"] = st.session_state.get("upload_token", 0) + 1
            st.rerun()


def add_documents(view: View, files: list, source: str, pasted: str, paste_source: str, paste_title: str,
                  paste_date: str) -> None:
    """Validate every uploaded file and the pasted text; on success score and merge them (and rerun), else show each problem."""
    from app.uploads import UploadError, check_file_count, check_new_ids, merge_results, pasted_document, read_upload
    from stance.io.corpus import Corpus as DocCorpus

    c = view.corpus
    docs, warnings, problems = [], [], []
    try:
        check_file_count(len(files))
    except UploadError as exc:
        problems.extend(exc.problems)
        files = []
    for f in files:
        try:
            corpus = read_upload(f.name, f.getvalue(), source)
            docs.extend(corpus.documents)
            warnings.extend(corpus.warnings)
        except UploadError as exc:
            problems.extend(exc.problems)
    if pasted.strip() or paste_source.strip():
        try:
            docs.append(pasted_document(pasted, paste_source, paste_title, date=paste_date))
        except UploadError as exc:
            problems.extend(exc.problems)
    new = DocCorpus(docs, warnings, name="upload")
    if not problems:
        try:
            check_new_ids(new, list(c.documents["doc_id"].unique()))
        except UploadError as exc:
            problems.extend(exc.problems)
    if not docs and not problems:
        problems.append("nothing to add: choose a file or paste a text")
    if problems:
        st.error("Nothing was added — fix these and try again:\n\n" + "\n".join(f"- {md_escape(p)}" for p in problems))
        return
    for w in warnings:
        st.warning(md_escape(w))
    results = score_new(new, c.targets)
    if results is None:
        return
    uploads = st.session_state.setdefault("uploads", {})
    uploads[c.name] = merge_results(uploads[c.name], results) if c.name in uploads else results
    st.session_state["upload_token"] = st.session_state.get("upload_token", 0) + 1
    flash("success", f"Added {len(docs)} document(s): " + md_escape(", ".join(d.id for d in docs)) + " — now in every view.")
    st.session_state["upload_done"] = True
    st.rerun()


def score_new(new, targets: list[str]):
    """Score the uploaded corpus ``new`` toward ``targets`` with a progress bar.

    Returns its Results, or None after showing the error.
    """
    from app.uploads import score_documents

    bar = st.progress(0.0, text="Preparing the text, then loading the model…")
    try:
        scorer, lock = shared_scorer()
        results = score_documents(new, load_settings(), targets, scorer, lock=lock, callback=lambda done, total: bar.progress(
            done / total, text=f"Scoring {done}/{total} sentence × target pairs"))
    except Exception as exc:  # model missing, not an NLI model, out of memory: tell the user, keep the session
        bar.empty()
        st.error(f"Could not score the documents: {md_escape(str(exc))}")
        return None
    bar.progress(1.0, text="Scored.")
    return results
