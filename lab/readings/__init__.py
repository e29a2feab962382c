"""Careful readings: sample articles or sentences for readers, check and merge what they wrote."""
