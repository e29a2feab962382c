"""stance/text."""
