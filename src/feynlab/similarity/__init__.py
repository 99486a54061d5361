"""Similarity reports for a class's exercise: code alike beyond the starter (copydetect's
winnowing) and models that make the same mistakes far more often than chance. Leads for a
human to look at, never a penalty."""
