"""Distribution: which organisations get an oproep, the mails to them, and follow-ups."""
