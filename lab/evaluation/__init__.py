"""lab/evaluation."""
