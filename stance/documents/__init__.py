"""From sentence scores to document labels and group stance: the document rule and its fitted parts."""
