"""What every feature's WTForms forms share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from niemand_alleen import validation

T = TypeVar("T")


def checked(call: Callable[[], T]) -> T:
    """Run a validation function, turning its Dutch message into a field error."""
    try:
        return call()
    except validation.FIELD_ERRORS as error:
        raise ValidationError(error.message) from None


class ConfirmForm(FlaskForm):
    """An empty form: only the CSRF token, for buttons that change something."""


class SearchForm(FlaskForm):
    """A search form (GET): no CSRF token, nothing changes."""

    class Meta:
        csrf = False
