"""Links in organisation mails: the signed unsubscribe tokens and the sign-up link (pure).

An oproep mail is meant to be forwarded, and forwarding copies its body but drops its
headers. So each way of unsubscribing has its own salt and its own URL:

- the body's link (``unsubscribe_url``) only asks to mail a confirmation link to the
  organisation's own addresses; it never unsubscribes by itself;
- the RFC 8058 ``List-Unsubscribe`` header (``one_click_unsubscribe_url``) unsubscribes with
  one POST, as mail clients send it;
- the confirmation link (``unsubscribe_confirm_url``) names one stored request, so it works
  once, and expires.

Tokens are signed with the app's secret key, so a tampered token is simply not valid. The
first two do not expire: an organisation may use an old mail.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

_UNSUBSCRIBE_SALT = "organisation-unsubscribe"
_ONE_CLICK_SALT = "organisation-unsubscribe-one-click"
_CONFIRM_SALT = "organisation-unsubscribe-confirm"
# Longer input is not a token of ours; refuse it before any work.
_MAX_TOKEN_LENGTH = 200


def _uuid_from(serializer: URLSafeSerializer, token: str) -> uuid.UUID | None:
    if len(token) > _MAX_TOKEN_LENGTH:
        return None
    try:
        return uuid.UUID(str(serializer.loads(token)))
    except (BadSignature, ValueError):
        return None


def unsubscribe_token(secret_key: str, organisation_id: uuid.UUID) -> str:
    return str(URLSafeSerializer(secret_key, salt=_UNSUBSCRIBE_SALT).dumps(str(organisation_id)))


def organisation_from_token(secret_key: str, token: str) -> uuid.UUID | None:
    """The organisation id in a valid body-link token; ``None`` for a bad or tampered one."""
    return _uuid_from(URLSafeSerializer(secret_key, salt=_UNSUBSCRIBE_SALT), token)


def unsubscribe_url(public_base_url: str, secret_key: str, organisation_id: uuid.UUID) -> str:
    """The link in a mail's body: it asks for a confirmation link (safe to forward)."""
    token = unsubscribe_token(secret_key, organisation_id)
    return f"{public_base_url}/afmelden/organisatie/{token}"


def one_click_token(secret_key: str, organisation_id: uuid.UUID) -> str:
    return str(URLSafeSerializer(secret_key, salt=_ONE_CLICK_SALT).dumps(str(organisation_id)))


def organisation_from_one_click_token(secret_key: str, token: str) -> uuid.UUID | None:
    return _uuid_from(URLSafeSerializer(secret_key, salt=_ONE_CLICK_SALT), token)


def one_click_unsubscribe_url(
    public_base_url: str, secret_key: str, organisation_id: uuid.UUID
) -> str:
    """The ``List-Unsubscribe`` header's link only: a POST to it unsubscribes at once."""
    token = one_click_token(secret_key, organisation_id)
    return f"{public_base_url}/afmelden/organisatie/een-klik/{token}"


def unsubscribe_confirm_token(secret_key: str, request_id: uuid.UUID) -> str:
    return str(URLSafeTimedSerializer(secret_key, salt=_CONFIRM_SALT).dumps(str(request_id)))


def unsubscribe_request_from_token(
    secret_key: str, token: str, max_age: timedelta
) -> uuid.UUID | None:
    """The request id in a valid confirmation token; ``None`` for a bad, tampered or
    expired one (the page says the same for each)."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_CONFIRM_SALT)
    if len(token) > _MAX_TOKEN_LENGTH:
        return None
    try:
        value = serializer.loads(token, max_age=int(max_age.total_seconds()))
        return uuid.UUID(str(value))
    except (BadSignature, ValueError):  # SignatureExpired is a BadSignature
        return None


def unsubscribe_confirm_url(public_base_url: str, secret_key: str, request_id: uuid.UUID) -> str:
    token = unsubscribe_confirm_token(secret_key, request_id)
    return f"{public_base_url}/afmelden/organisatie/bevestigen/{token}"


def signup_url(public_base_url: str, referral_code: str) -> str:
    """The sign-up link of one organisation's mail; the code tells which forward it was."""
    return f"{public_base_url}/aanmelden/{referral_code}"


def general_signup_url(public_base_url: str) -> str:
    return f"{public_base_url}/aanmelden"
