"""Intake: the buurtwerker's aanmelding, the anonymised oproep and its review.

The anonymiser (``niemand_alleen.anonymiser``) is pure: no Flask, no request, no
database. Importing this package must stay cheap and must never import ``deduce``.
"""
