"""One module per dashboard tab; each draws its tab with ``render(view)`` (see :class:`app.corpus.View`)."""
