"""Matching: rank good neighbours for an oproep, and the coordinator's follow-up."""

from flask import Flask

from niemand_alleen.matching.report import ranking_report, ranking_text
from niemand_alleen.matching.service import (
    close_due_oproepen,
    ranking_for,
    remind_followups,
    settle_withdrawal,
)

__all__ = [
    "close_due_oproepen",
    "init_app",
    "ranking_for",
    "ranking_report",
    "ranking_text",
    "remind_followups",
    "settle_withdrawal",
]


def init_app(app: Flask) -> None:
    """Register the matching and evaluation pages and the matching mails."""
    from niemand_alleen.matching import evaluation_views, views

    views.init_app(app)
    app.register_blueprint(evaluation_views.bp)
