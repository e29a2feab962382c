"""Scoring with an NLI model: the model, the score cache, and the scorer that joins them."""
