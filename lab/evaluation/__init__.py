"""Evaluation: gold-set registry, metrics, scoring the shipped system on gold sets, model comparisons."""
