"""stance/documents."""
