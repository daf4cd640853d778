"""Accounts, staff sessions, login throttling and the audit log.

Services take the database session and never commit; the request or command does.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from niemand_alleen import validation
from niemand_alleen.audit import RecordType, record_audit
from niemand_alleen.auth import totp
from niemand_alleen.auth.passwords import check_password_policy, hash_password, verify_password
from niemand_alleen.crypto import lookup_hash
from niemand_alleen.models import (
    AuditAction,
    LoginAttempt,
    RecoveryCode,
    Role,
    User,
    UserSession,
    utcnow,
)

NAME_MAX_LENGTH = 120


class AccountError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def normalise_email(raw: str) -> str:
    try:
        value = validation.email_address(raw, required=True)
    except validation.InvalidInput as error:
        raise AccountError("email", error.message) from None
    assert value is not None  # required=True never gives None
    return value


def validate_name(raw: str) -> str:
    """A staff member's display name: free form (titles, initials), one line, not too long."""
    value = " ".join(raw.split())
    try:
        validation.no_line_breaks(raw, "Een naam kan geen regelovergang bevatten.")
    except validation.InvalidInput as error:
        raise AccountError("name", error.message) from None
    if not value:
        raise AccountError("name", "Vul een naam in.")
    if len(value) > NAME_MAX_LENGTH:
        raise AccountError("name", f"Een naam is hoogstens {NAME_MAX_LENGTH} tekens lang.")
    return value


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email_hash == lookup_hash(email))).first()


def create_user(session: Session, *, email: str, name: str, role: Role, password: str) -> User:
    email = normalise_email(email)
    name = validate_name(name)
    check_password_policy(password)
    if find_user_by_email(session, email) is not None:
        raise AccountError("email", "Er is al een account met dit e-mailadres.")
    user = User(
        email=email,
        email_hash=lookup_hash(email),
        name=name,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, user: User, active: bool) -> None:
    user.active = active
    session.add(user)
    if not active:
        end_all_sessions(session, user.id)
    session.flush()


# --- throttling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 10
    base_delay_seconds: int = 30
    max_delay_seconds: int = 900
    window: timedelta = timedelta(hours=24)


def account_key(email: str) -> str:
    """The throttle key for whatever was typed, so unknown accounts behave like known ones."""
    return lookup_hash(email.strip())


def required_wait_seconds(
    session: Session, key: str, policy: ThrottlePolicy, now: datetime | None = None
) -> int:
    """Seconds still to wait before this account may try again (0 if allowed now)."""
    now = now or utcnow()
    last_success = session.exec(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.account_key == key, col(LoginAttempt.succeeded).is_(True)
        )
    ).one()
    since = now - policy.window
    if last_success is not None and last_success > since:
        since = last_success
    failures = session.exec(
        select(func.count(), func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.account_key == key,
            col(LoginAttempt.succeeded).is_(False),
            LoginAttempt.attempted_at > since,
        )
    ).one()
    count, last_failure = failures
    if count < policy.free_failures or last_failure is None:
        return 0
    if last_failure.tzinfo is None:  # SQLite aggregates bypass the column type
        last_failure = last_failure.replace(tzinfo=now.tzinfo)
    exponent = count - policy.free_failures
    delay = min(policy.base_delay_seconds * 2 ** min(exponent, 16), policy.max_delay_seconds)
    waited = (now - last_failure).total_seconds()
    return max(0, int(delay - waited + 0.999))


def record_login_attempt(session: Session, key: str, succeeded: bool) -> None:
    session.add(LoginAttempt(account_key=key, succeeded=succeeded))
    session.flush()


class LoginThrottledError(Exception):
    def __init__(self, wait_seconds: int) -> None:
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


def authenticate(
    session: Session, email: str, password: str, policy: ThrottlePolicy
) -> User | None:
    """The user for these credentials, or None; raises LoginThrottledError when too many failed.

    The same work is done for unknown accounts, so neither answer nor timing tells them apart.
    """
    key = account_key(email)
    wait = required_wait_seconds(session, key, policy)
    if wait:
        raise LoginThrottledError(wait)
    user = find_user_by_email(session, email.strip())
    password_hash = user.password_hash if user is not None else None
    ok = verify_password(password_hash, password) and user is not None and user.active
    record_login_attempt(session, key, succeeded=ok)
    record_audit(
        session,
        actor_user_id=user.id if ok and user else None,
        action=AuditAction.LOGIN if ok else AuditAction.LOGIN_FAILED,
        record_type=RecordType.USER,
        record_id=str(user.id) if ok and user else None,
        outcome="ok" if ok else "denied",
    )
    return user if ok else None


# --- server-side sessions ----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start_session(session: Session, user: User) -> str:
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_token_hash(token), user_id=user.id))
    session.flush()
    return token


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta
    touch_after: timedelta = timedelta(seconds=60)


def resume_session(
    session: Session, token: str, limits: SessionLimits, now: datetime | None = None
) -> User | None:
    """The active user behind a session token, or None if it ended, idled or expired."""
    now = now or utcnow()
    try:
        row = session.get(UserSession, _token_hash(token))
    except (UnicodeEncodeError, ValueError):
        return None
    if row is None:
        return None
    if now - row.created_at > limits.absolute or now - row.last_seen_at > limits.idle:
        session.delete(row)
        session.flush()
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at > limits.touch_after:
        row.last_seen_at = now
        session.add(row)
        session.flush()
    return user


def end_session(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(col(UserSession.token_hash) == _token_hash(token)))
    session.flush()


def end_all_sessions(session: Session, user_id: uuid.UUID) -> None:
    session.execute(delete(UserSession).where(col(UserSession.user_id) == user_id))
    session.flush()


def purge_expired_sessions(session: Session, limits: SessionLimits, now: datetime) -> int:
    result = session.execute(
        delete(UserSession).where(
            (col(UserSession.created_at) < now - limits.absolute)
            | (col(UserSession.last_seen_at) < now - limits.idle)
        )
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_old_login_attempts(session: Session, policy: ThrottlePolicy, now: datetime) -> int:
    result = session.execute(
        delete(LoginAttempt).where(col(LoginAttempt.attempted_at) < now - policy.window)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- audit ---------------------------------------------------------------------------------


# --- second factor (TOTP and recovery codes) -----------------------------------------------


def second_factor_key(user_id: uuid.UUID) -> str:
    """Throttle key for wrong codes of one account (separate from the password key)."""
    return lookup_hash(f"second-factor:{user_id}")


def needs_second_factor(user: User, required_roles: frozenset[str]) -> bool:
    return user.totp_enrolled_at is not None or user.role.value in required_roles


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = totp.new_recovery_codes()
    for code in codes:
        session.add(
            RecoveryCode(user_id=user.id, code_hash=lookup_hash(totp.normalise_recovery_code(code)))
        )
    session.flush()
    return codes


def confirm_enrolment(
    session: Session, user: User, secret: str, code: str, now: float | None = None
) -> list[str] | None:
    """Enrol with the secret shown and the first code from the app: the new recovery codes,
    or None if the code is wrong (nothing is stored until then, so a GET changes nothing)."""
    if user.totp_enrolled_at is not None or not totp.valid_secret(secret):
        return None
    step = totp.matching_step(secret, code, time.time() if now is None else now, None)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = step
    session.add(user)
    session.flush()
    return replace_recovery_codes(session, user)


def _use_step(session: Session, user: User, step: int) -> bool:
    """Record the step atomically: a second request with the same code loses the race."""
    result = session.execute(
        update(User)
        .where(
            col(User.id) == user.id,
            (col(User.totp_last_step).is_(None)) | (col(User.totp_last_step) < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


def _use_recovery_code(session: Session, user: User, raw: str) -> bool:
    code_hash = lookup_hash(totp.normalise_recovery_code(raw))
    result = session.execute(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user.id,
            col(RecoveryCode.code_hash) == code_hash,
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


def verify_second_factor(
    session: Session, user: User, code: str, policy: ThrottlePolicy, now: float | None = None
) -> str | None:
    """ "totp" or "recovery" when the code is right, else None; throttled like passwords."""
    key = second_factor_key(user.id)
    wait = required_wait_seconds(session, key, policy)
    if wait:
        raise LoginThrottledError(wait)
    method: str | None = None
    if user.totp_secret and user.totp_enrolled_at is not None:
        step = totp.matching_step(
            user.totp_secret, code, time.time() if now is None else now, user.totp_last_step
        )
        if step is not None and _use_step(session, user, step):
            method = "totp"
        elif (
            step is None
            and len(totp.normalise_code(code)) > totp.DIGITS
            and _use_recovery_code(session, user, code)
        ):
            method = "recovery"
    record_login_attempt(session, key, succeeded=method is not None)
    record_audit(
        session,
        actor_user_id=user.id if method else None,
        action=AuditAction.LOGIN if method else AuditAction.LOGIN_FAILED,
        record_type=RecordType.USER,
        record_id=str(user.id),
        outcome="ok" if method else "denied",
        detail=f"second factor ({method})" if method else "second factor",
    )
    session.refresh(user)
    return method


def recovery_codes_left(session: Session, user_id: uuid.UUID) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None))
        ).one()
    )


def reset_second_factor(session: Session, user: User) -> None:
    """The user enrols again at the next login; their sessions end now."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    session.add(user)
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    end_all_sessions(session, user.id)
    session.flush()
