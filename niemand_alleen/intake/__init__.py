"""Intake: the buurtwerker's aanmelding, the anonymised oproep and its review.

The anonymiser (``niemand_alleen.anonymiser``) is pure: no Flask, no request, no
database. Importing this package must stay cheap and must never import ``deduce``.
"""

from flask import Flask

from niemand_alleen.intake.batch import anonymise_line
from niemand_alleen.intake.proposals import pending_oproepen, prepare
from niemand_alleen.intake.service import HELP_CHOICES
from niemand_alleen.intake.updates import tell_buurtwerker

__all__ = [
    "HELP_CHOICES",
    "anonymise_line",
    "init_app",
    "pending_oproepen",
    "prepare",
    "tell_buurtwerker",
]


def init_app(app: Flask) -> None:
    """Register the buurtwerker's and coordinator's intake pages."""
    from niemand_alleen.intake import views

    views.init_app(app)
