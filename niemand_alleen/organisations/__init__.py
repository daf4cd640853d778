"""Partner organisations: the beheerder's pages, CSV import/export and the unsubscribe links."""

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the beheerder's organisation pages, the unsubscribe pages and their mail."""
    from niemand_alleen.organisations import views

    views.init_app(app)
