"""Distribution: which organisations get an oproep, the mails to them, and follow-ups."""

from flask import Flask

from niemand_alleen.distribution.links import (
    general_signup_url,
    organisation_from_one_click_token,
    organisation_from_token,
    unsubscribe_confirm_url,
    unsubscribe_request_from_token,
)
from niemand_alleen.distribution.service import (
    contact_addresses,
    oproep_contact,
    organisation_mail_context,
    organisation_mail_headers,
    queue_to_organisation,
    remind_coordinators,
    resident_location,
    wijk_names,
)

__all__ = [
    "contact_addresses",
    "general_signup_url",
    "init_app",
    "oproep_contact",
    "organisation_from_one_click_token",
    "organisation_from_token",
    "organisation_mail_context",
    "organisation_mail_headers",
    "queue_to_organisation",
    "remind_coordinators",
    "resident_location",
    "unsubscribe_confirm_url",
    "unsubscribe_request_from_token",
    "wijk_names",
]


def init_app(app: Flask) -> None:
    """Register the distribution pages, its mail kinds and its part of a matched oproep."""
    from niemand_alleen.distribution import views

    views.init_app(app)
