"""stance/engines."""
