"""lab/tuning."""
