"""The beheerder's privacy page: export or erase what the service holds about one person."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, abort, render_template
from flask_wtf import FlaskForm
from sqlmodel import Session
from wtforms import BooleanField, RadioField, SelectChoice, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from niemand_alleen.auth import current_staff, roles_required
from niemand_alleen.db import request_session
from niemand_alleen.models import Role, utcnow
from niemand_alleen.privacy.service import (
    SubjectKind,
    SubjectRef,
    UnknownSubjectError,
    erase_subject,
    export_subject,
    parse_reference,
)

bp = Blueprint("privacy_admin", __name__, url_prefix="/beheer/privacy")

KIND_LABELS = {SubjectKind.VOLUNTEER: "Goede buur", SubjectKind.RESIDENT: "Bewoner"}


class SubjectForm(FlaskForm):
    kind = RadioField(
        "Over wie gaat het?",
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[
            DataRequired("Kies goede buur of bewoner."),
            AnyOf([kind.value for kind in SubjectKind], message="Kies goede buur of bewoner."),
        ],
        validate_choice=False,  # AnyOf says it in plain Dutch
    )
    reference = StringField(
        "Nummer (id) of e-mailadres",
        validators=[
            DataRequired("Vul een nummer of e-mailadres in."),
            Length(max=254, message="Hoogstens 254 tekens."),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class EraseForm(SubjectForm):
    confirm = BooleanField(
        "Ja, wis deze gegevens. Dit kan niet ongedaan worden gemaakt.",
        validators=[DataRequired("Vink aan dat u de gegevens echt wilt wissen.")],
    )


def _forms() -> tuple[SubjectForm, EraseForm]:
    return SubjectForm(prefix="export"), EraseForm(prefix="erase")


def _page(export_form: SubjectForm, erase_form: EraseForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "privacy_admin/privacy.html", export_form=export_form, erase_form=erase_form
    ), status


Done = TypeVar("Done")


def _for_subject(
    form: SubjectForm, act: Callable[[Session, SubjectRef, uuid.UUID], Done]
) -> tuple[SubjectRef, Done] | int:
    """Check the form and ``act`` for the person it names: the reference and the result, or
    the status to answer with (the form holds the message; a bad CSRF token aborts)."""
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return 400
    ref = parse_reference(SubjectKind(form.kind.data), form.reference.data)
    try:
        return ref, act(request_session(), ref, current_staff().user_id)
    except UnknownSubjectError as error:
        form.reference.errors.append(error.message)
        return 404


@bp.route("")
@roles_required(Role.BEHEERDER)
def privacy_page() -> tuple[str, int]:
    return _page(*_forms())


@bp.route("/export", methods=["POST"])
@roles_required(Role.BEHEERDER)
def export() -> Response | tuple[str, int]:
    export_form, erase_form = _forms()
    done = _for_subject(export_form, export_subject)
    if isinstance(done, int):
        return _page(export_form, erase_form, done)
    ref, data = done
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    name = f"privacy-export-{ref.kind.value}-{stamp}.json"
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/wissen", methods=["POST"])
@roles_required(Role.BEHEERDER)
def erase() -> tuple[str, int]:
    export_form, erase_form = _forms()
    done = _for_subject(erase_form, erase_subject)
    if isinstance(done, int):
        return _page(export_form, erase_form, done)
    _, result = done
    return render_template(
        "privacy_admin/erased.html", result=result, kind_label=KIND_LABELS[result.kind]
    ), 200
