"""Tuning the document rule on validation gold sets (never on the test set)."""
