"""Accounts, staff sessions, login throttling and the audit log.

Services take the database session and never commit; the request or command does.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from niemand_alleen import validation
from niemand_alleen.audit import AuditDetail, RecordType, details, record_audit
from niemand_alleen.auth import totp
from niemand_alleen.auth.passwords import (
    PasswordPolicyError,
    check_password_policy,
    hash_password,
    verify_password,
)
from niemand_alleen.crypto import lookup_hash
from niemand_alleen.mail import queue_mail, render_mail
from niemand_alleen.models import (
    AuditAction,
    LoginAttempt,
    PasswordReset,
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
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


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
    codes = replace_recovery_codes(session, user)
    audit_account(session, user, details.second_factor_enrolled())
    return codes


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
        detail=details.second_factor(method),
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


# --- changing and resetting a password ----------------------------------------------------

CHANGED_MAIL_KIND = "password_changed"
RESET_MAIL_KIND = "password_reset"
RESET_VALID = timedelta(minutes=30)
RESET_TOKEN_MAX_LENGTH = 100  # token_urlsafe(32) gives 43 characters


@dataclass(frozen=True)
class ResetThrottle:
    """How often *Wachtwoord vergeten?* may be asked, per typed address and per client."""

    per_address: int = 3
    per_client: int = 10
    window: timedelta = timedelta(hours=1)


class ResetThrottledError(Exception):
    pass


def reset_address_key(email: str) -> str:
    """Throttle key of a typed address (also unknown ones), apart from the login key."""
    return lookup_hash(f"password-reset-address:{email}")


def reset_client_key(client: str) -> str:
    """Throttle key of a client address; only its keyed hash is stored."""
    return lookup_hash(f"password-reset-client:{client}")


def _attempts_since(session: Session, key: str, since: datetime) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.account_key == key, LoginAttempt.attempted_at > since)
        ).one()
    )


def _mail_password_changed(session: Session, user: User, now: datetime) -> None:
    queue_mail(
        session,
        idempotency_key=f"{CHANGED_MAIL_KIND}:{user.id}:{now.isoformat()}",
        kind=CHANGED_MAIL_KIND,
        recipient=user.email,
        mail=render_mail(CHANGED_MAIL_KIND, staff_name=user.name),
    )


def _cancel_open_resets(session: Session, user_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(PasswordReset)
        .where(col(PasswordReset.user_id) == user_id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def _set_password(session: Session, user: User, new_password: str, now: datetime) -> None:
    user.password_hash = hash_password(new_password)
    session.add(user)
    _cancel_open_resets(session, user.id, now)
    _mail_password_changed(session, user, now)
    session.flush()


def check_new_password(new_password: str, repeated: str) -> None:
    """The rules of account creation, and the same password typed twice."""
    try:
        check_password_policy(new_password)
    except PasswordPolicyError as error:
        raise AccountError("new_password", error.message) from None
    if new_password != repeated:
        raise AccountError("repeat_password", "De twee nieuwe wachtwoorden zijn niet gelijk.")


def change_password(
    session: Session,
    user: User,
    *,
    current_password: str,
    new_password: str,
    repeated: str,
    keep_session_token: str,
    policy: ThrottlePolicy,
    now: datetime | None = None,
) -> None:
    """Change the password of a logged-in user. A wrong current password counts as a failed
    login (raises LoginThrottledError when there were too many); every other session of the
    user ends, a mail tells them. Raises AccountError with the field to blame."""
    now = now or utcnow()
    key = account_key(user.email)
    wait = required_wait_seconds(session, key, policy, now)
    if wait:
        raise LoginThrottledError(wait)
    if not verify_password(user.password_hash, current_password):
        record_login_attempt(session, key, succeeded=False)
        audit_account(session, user, details.wrong_current_password(), outcome="denied")
        raise AccountError("current_password", "Uw huidige wachtwoord klopt niet.")
    check_new_password(new_password, repeated)
    if new_password == current_password:
        raise AccountError("new_password", "Kies een ander wachtwoord dan uw huidige.")
    record_login_attempt(session, key, succeeded=True)
    _set_password(session, user, new_password, now)
    session.execute(
        delete(UserSession).where(
            col(UserSession.user_id) == user.id,
            col(UserSession.token_hash) != _token_hash(keep_session_token),
        )
    )
    audit_account(session, user, details.password_changed())
    session.flush()


def audit_account(
    session: Session,
    user: User,
    detail: AuditDetail | None = None,
    *,
    action: AuditAction = AuditAction.UPDATE,
    actor_user_id: uuid.UUID | None = None,
    outcome: str = "ok",
) -> None:
    """An account was created or changed, or a change refused: by the beheerder
    (``actor_user_id``) or, by default, by its owner (password, second step)."""
    record_audit(
        session,
        actor_user_id=actor_user_id or user.id,
        action=action,
        record_type=RecordType.USER,
        record_id=str(user.id),
        outcome=outcome,
        detail=detail,
    )


def request_password_reset(
    session: Session,
    *,
    email: str,
    client: str,
    reset_url: Callable[[str], str],
    throttle: ResetThrottle,
    now: datetime | None = None,
) -> None:
    """*Wachtwoord vergeten?*: mail a single-use link when an active account has this address.

    The same work is done whether it has or not: the link and its mail are made and written
    in a savepoint either way, kept for an active account and rolled back otherwise, so
    neither the answer nor its timing tells them apart. Raises AccountError for a malformed
    address and ResetThrottledError when this address or client asked too often.
    """
    email = normalise_email(email)
    now = now or utcnow()
    since = now - throttle.window
    address_key = reset_address_key(email)
    client_key = reset_client_key(client)
    over_address = _attempts_since(session, address_key, since) >= throttle.per_address
    over_client = _attempts_since(session, client_key, since) >= throttle.per_client
    if over_address or over_client:
        raise ResetThrottledError
    session.add(LoginAttempt(account_key=address_key, attempted_at=now))
    session.add(LoginAttempt(account_key=client_key, attempted_at=now))
    user = find_user_by_email(session, email)
    known = user is not None and user.active
    token = secrets.token_urlsafe(32)
    token_hash = _token_hash(token)
    mail = render_mail(
        RESET_MAIL_KIND,
        staff_name=user.name if user is not None and known else "",
        reset_url=reset_url(token),
        valid_minutes=int(RESET_VALID.total_seconds() // 60),
    )
    savepoint = session.begin_nested()
    session.add(
        PasswordReset(
            token_hash=token_hash,
            user_id=user.id if user is not None and known else None,
            requested_at=now,
        )
    )
    queue_mail(
        session,
        idempotency_key=f"{RESET_MAIL_KIND}:{token_hash}",
        kind=RESET_MAIL_KIND,
        recipient=user.email if user is not None and known else email,
        mail=mail,
    )
    if known:
        savepoint.commit()
    else:
        savepoint.rollback()
    record_audit(
        session,
        actor_user_id=None,
        action=AuditAction.UPDATE,
        record_type=RecordType.USER,
        record_id=str(user.id) if user is not None and known else None,
        detail=details.password_reset_requested(),
    )
    session.flush()


def _open_reset(session: Session, token: str, now: datetime) -> PasswordReset | None:
    if not token or len(token) > RESET_TOKEN_MAX_LENGTH:
        return None
    row = session.get(PasswordReset, _token_hash(token))
    if row is None or row.used_at is not None or row.user_id is None:
        return None
    if now - row.requested_at > RESET_VALID:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return row


def reset_link_is_open(session: Session, token: str, now: datetime | None = None) -> bool:
    """Whether the link can still set a password (a read only: mail scanners follow links)."""
    return _open_reset(session, token, now or utcnow()) is not None


def reset_password(
    session: Session,
    token: str,
    *,
    new_password: str,
    repeated: str,
    now: datetime | None = None,
) -> User | None:
    """Set a new password with a mailed link: the user, or None when the link is bad, used
    or expired (nothing changes then). Raises AccountError for a password the rules refuse
    (the link stays usable). Every session of the user ends; this logs nobody in."""
    now = now or utcnow()
    row = _open_reset(session, token, now)
    if row is None or row.user_id is None:
        return None
    check_new_password(new_password, repeated)
    # Used up atomically: of two requests with one link, only one sets the password.
    used = session.execute(
        update(PasswordReset)
        .where(
            col(PasswordReset.token_hash) == row.token_hash,
            col(PasswordReset.used_at).is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if int(used.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return None
    user = session.get(User, row.user_id)
    assert user is not None  # checked by _open_reset in this transaction
    _set_password(session, user, new_password, now)
    end_all_sessions(session, user.id)
    audit_account(session, user, details.password_reset())
    session.flush()
    return user


def record_reset_failure(session: Session) -> None:
    """A bad, used or expired link was posted: ids only, never the token or an address."""
    record_audit(
        session,
        actor_user_id=None,
        action=AuditAction.DENIED,
        record_type=RecordType.USER,
        record_id=None,
        outcome="denied",
        detail=details.reset_link_refused(),
    )


def purge_old_password_resets(session: Session, now: datetime) -> int:
    result = session.execute(
        delete(PasswordReset).where(col(PasswordReset.requested_at) < now - timedelta(hours=24))
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
