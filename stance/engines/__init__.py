"""Where a corpus is labelled: in this process (local) or across a Ray cluster (ray)."""
