"""Public sign-up of good neighbours: the form, double opt-in by mail, withdrawal."""
