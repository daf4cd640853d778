"""Privacy rights of neighbours and residents: export and erasure (art. 15, 17, 19)."""
