"""Training: the sentence model (train) and the document reader (documents), with their data."""
