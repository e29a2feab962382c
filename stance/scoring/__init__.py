"""stance/scoring."""
