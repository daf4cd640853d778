"""Partner organisations: the beheerder's pages, CSV import/export and the unsubscribe links."""
