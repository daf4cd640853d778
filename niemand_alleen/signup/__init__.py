"""Public sign-up of good neighbours: the form, double opt-in by mail, withdrawal."""

from flask import Flask

from niemand_alleen.signup.answers import outside_area
from niemand_alleen.signup.service import confirmed_signups
from niemand_alleen.signup.tokens import withdraw_url

__all__ = ["confirmed_signups", "init_app", "outside_area", "withdraw_url"]


def init_app(app: Flask) -> None:
    """Register the public sign-up pages and the sign-up mails."""
    from niemand_alleen.signup import views

    views.init_app(app)
