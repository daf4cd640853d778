"""Matching: rank good neighbours for an oproep, and the coordinator's follow-up."""
