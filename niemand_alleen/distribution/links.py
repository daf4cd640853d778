"""Links in organisation mails: the signed unsubscribe token and the sign-up link (pure).

The unsubscribe token is signed with the app's secret key, so nothing is stored and a
tampered token is simply not valid. It does not expire: an organisation may use a link
from an old mail.
"""

from __future__ import annotations

import uuid

from itsdangerous import BadSignature, URLSafeSerializer

_UNSUBSCRIBE_SALT = "organisation-unsubscribe"


def unsubscribe_token(secret_key: str, organisation_id: uuid.UUID) -> str:
    return str(URLSafeSerializer(secret_key, salt=_UNSUBSCRIBE_SALT).dumps(str(organisation_id)))


def organisation_from_token(secret_key: str, token: str) -> uuid.UUID | None:
    """The organisation id in a valid token; ``None`` for a bad or tampered one."""
    if len(token) > 200:
        return None
    try:
        value = URLSafeSerializer(secret_key, salt=_UNSUBSCRIBE_SALT).loads(token)
        return uuid.UUID(str(value))
    except (BadSignature, ValueError):
        return None


def unsubscribe_url(public_base_url: str, secret_key: str, organisation_id: uuid.UUID) -> str:
    token = unsubscribe_token(secret_key, organisation_id)
    return f"{public_base_url}/afmelden/organisatie/{token}"


def signup_url(public_base_url: str, referral_code: str) -> str:
    """The sign-up link of one organisation's mail; the code tells which forward it was."""
    return f"{public_base_url}/aanmelden/{referral_code}"


def general_signup_url(public_base_url: str) -> str:
    return f"{public_base_url}/aanmelden"
