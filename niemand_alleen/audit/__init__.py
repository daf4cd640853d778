"""The beheerder's review of the audit log: filter, page through and export (CSV).

R1.11: logging alone is not enough; the log must be reviewed. The log holds who, what,
which record and when, never the data itself, and exporting it is itself logged.
"""
