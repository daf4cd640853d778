"""Signed links in the mails to a good neighbour (pure: no Flask, no database).

Both tokens carry only the sign-up's random id and are signed with the app's secret key,
so nothing is stored and a tampered token is simply not valid. The confirm link expires
(``max_age``); the withdraw link does not: a neighbour may use a link from an old mail.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

CONFIRM_SALT = "volunteer-confirm"
WITHDRAW_SALT = "volunteer-withdraw"
# Longer input is not a token of ours; refuse it before any work.
MAX_TOKEN_LENGTH = 200


class TokenExpired(Exception):
    """A correctly signed confirm token that is older than its maximum age."""


def confirm_token(secret_key: str, volunteer_id: uuid.UUID) -> str:
    return str(URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT).dumps(str(volunteer_id)))


def volunteer_from_confirm_token(
    secret_key: str, token: str, max_age: timedelta
) -> uuid.UUID | None:
    """The sign-up id in a valid token; ``None`` for a bad or tampered one.

    Raises ``TokenExpired`` for a genuine token past ``max_age``, so the page can say that
    the link is too old rather than that it is wrong.
    """
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    serializer = URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT)
    try:
        value = serializer.loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise TokenExpired from None
    except BadSignature:
        return None
    return _uuid(value)


def withdraw_token(secret_key: str, volunteer_id: uuid.UUID) -> str:
    return str(URLSafeSerializer(secret_key, salt=WITHDRAW_SALT).dumps(str(volunteer_id)))


def volunteer_from_withdraw_token(secret_key: str, token: str) -> uuid.UUID | None:
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        value = URLSafeSerializer(secret_key, salt=WITHDRAW_SALT).loads(token)
    except BadSignature:
        return None
    return _uuid(value)


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def confirm_url(public_base_url: str, secret_key: str, volunteer_id: uuid.UUID) -> str:
    return f"{public_base_url}/aanmelden/bevestigen/{confirm_token(secret_key, volunteer_id)}"


def withdraw_url(public_base_url: str, secret_key: str, volunteer_id: uuid.UUID) -> str:
    return f"{public_base_url}/aanmelden/intrekken/{withdraw_token(secret_key, volunteer_id)}"
