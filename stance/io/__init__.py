"""Reading and writing: corpora in, imports checked, result tables out (CSV, XLSX, JSON, Parquet)."""
