"""One module per dashboard tab, each with render(view)."""
