"""Staff login (Flask-Login) over server-side sessions, and role checks on every view."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user

from niemand_alleen.auth.passwords import PasswordPolicyError, generate_password
from niemand_alleen.auth.service import (
    AccountError,
    SessionLimits,
    ThrottlePolicy,
    create_user,
    find_user_by_email,
    purge_expired_sessions,
    purge_old_login_attempts,
    purge_old_password_resets,
    resume_session,
)
from niemand_alleen.config import Settings
from niemand_alleen.db import request_session
from niemand_alleen.models import Role

F = TypeVar("F", bound=Callable[..., Any])

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in om deze pagina te zien."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


class StaffUser(UserMixin):
    """The logged-in staff member; ``get_id`` is the session token, not the user id."""

    def __init__(self, token: str, user_id: uuid.UUID, name: str, role: Role) -> None:
        self.token = token
        self.user_id = user_id
        self.name = name
        self.role = role

    def get_id(self) -> str:
        return self.token


def settings() -> Settings:
    value: Settings = current_app.config["SETTINGS"]
    return value


def session_limits() -> SessionLimits:
    config = settings()
    return SessionLimits(
        idle=timedelta(minutes=config.session_idle_minutes),
        absolute=timedelta(hours=config.session_absolute_hours),
    )


def throttle_policy() -> ThrottlePolicy:
    config = settings()
    return ThrottlePolicy(
        free_failures=config.login_free_failures, max_delay_seconds=config.login_max_delay_seconds
    )


@login_manager.user_loader
def _load_user(token: str) -> StaffUser | None:
    user = resume_session(request_session(), token, session_limits())
    if user is None:
        return None
    if user.totp_enrolled_at is None and user.role.value in settings().second_factor_roles:
        return None  # a second factor became required: log in again and enrol
    return StaffUser(token=token, user_id=user.id, name=user.name, role=user.role)


def public(view: F) -> F:
    """Mark a view as reachable without login (checked by the route test)."""
    view.allowed_roles = None  # type: ignore[attr-defined]
    return view


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Only logged-in staff with one of these roles; others get login or 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def current_staff() -> StaffUser:
    user: StaffUser = current_user._get_current_object()
    return user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    from niemand_alleen.auth import views

    app.register_blueprint(views.bp)
    views.register_mail_kinds()


__all__ = [
    "AccountError",
    "PasswordPolicyError",
    "SessionLimits",
    "StaffUser",
    "ThrottlePolicy",
    "create_user",
    "current_staff",
    "find_user_by_email",
    "generate_password",
    "init_app",
    "public",
    "purge_expired_sessions",
    "purge_old_login_attempts",
    "purge_old_password_resets",
    "roles_required",
    "session_limits",
    "settings",
    "throttle_policy",
]
