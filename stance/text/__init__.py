"""Text work before any model: clean, split into sentences, find target mentions, build passages."""
