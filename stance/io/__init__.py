"""stance/io."""
