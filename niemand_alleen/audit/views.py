"""Audit log pages for the beheerder."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, render_template, request, url_for
from wtforms import Field, SelectChoice, SelectField, StringField

from niemand_alleen import validation
from niemand_alleen.audit import ACTION_LABELS, OUTCOME_LABELS, RECORD_LABELS, RecordType
from niemand_alleen.audit.details import shown_detail
from niemand_alleen.audit.service import (
    PAGE_SIZE,
    AuditFilter,
    actor_names,
    count_events,
    export_csv,
    find_events,
)
from niemand_alleen.auth import roles_required
from niemand_alleen.db import request_session
from niemand_alleen.forms import ConfirmForm, SearchForm, checked
from niemand_alleen.models import AuditAction, Role
from niemand_alleen.pagination import BAD_PAGE, page_span, read_page
from niemand_alleen.web_helpers import csv_download

bp = Blueprint("audit", __name__, url_prefix="/beheer/audit")


class AuditFilterForm(SearchForm):
    action = SelectField("Actie", choices=[])
    record_type = SelectField("Soort gegevens", choices=[])
    actor = SelectField("Medewerker", choices=[])
    since = StringField("Vanaf", render_kw={"class": "short", "inputmode": "numeric"})
    until = StringField("Tot en met", render_kw={"class": "short", "inputmode": "numeric"})

    def validate_since(self, field: Field) -> None:
        field.parsed = checked(lambda: validation.optional_date(field.data))

    def validate_until(self, field: Field) -> None:
        since = getattr(self.since, "parsed", None)
        field.parsed = checked(lambda: validation.period_end(field.data, since))

    def to_filter(self) -> AuditFilter:
        return AuditFilter(
            action=AuditAction(self.action.data) if self.action.data else None,
            record_type=self.record_type.data or None,
            actor_user_id=uuid.UUID(self.actor.data) if self.actor.data else None,
            since=getattr(self.since, "parsed", None),
            until=getattr(self.until, "parsed", None),
        )


def _filter_form(names: dict[uuid.UUID, str]) -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", "Alle acties")] + [
        SelectChoice(action.value, label) for action, label in ACTION_LABELS.items()
    ]
    form.record_type.choices = [SelectChoice("", "Alle soorten")] + [
        SelectChoice(key, label) for key, label in RECORD_LABELS.items()
    ]
    form.actor.choices = [SelectChoice("", "Alle medewerkers")] + [
        SelectChoice(str(user_id), name)
        for user_id, name in sorted(names.items(), key=lambda item: item[1].casefold())
    ]
    for select in (form.action, form.record_type, form.actor):
        if select.data is None:  # not in the query string: no filter
            select.data = ""
    return form


@bp.route("")
@roles_required(Role.BEHEERDER)
def audit_log() -> str | tuple[str, int]:
    session = request_session()
    names = actor_names(session)
    form = _filter_form(names)
    asked_page = read_page(request.args)
    valid = (not request.args or form.validate()) and asked_page is not None
    audit_filter = form.to_filter() if request.args and valid else AuditFilter()
    total = count_events(session, audit_filter) if valid else 0
    span = page_span(total, asked_page or 1, PAGE_SIZE)
    page_html = render_template(
        "audit/log.html",
        form=form,
        page_error=None if asked_page is not None else BAD_PAGE,
        events=find_events(session, audit_filter, page=span.page) if valid else [],
        total=total,
        page=span.page,
        pages=span.pages,
        names=names,
        action_labels=ACTION_LABELS,
        record_labels=RECORD_LABELS,
        outcome_labels=OUTCOME_LABELS,
        shown_detail=shown_detail,
        confirm=ConfirmForm(),
        page_url=lambda number: url_for(
            "audit.audit_log", **{**request.args.to_dict(), "pagina": number}
        ),
    )
    return page_html if valid else (page_html, 400)


@bp.route("/export", methods=["POST"])
@roles_required(Role.BEHEERDER)
def export() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = request_session()
    form = _filter_form(actor_names(session))
    if not form.validate():
        abort(400)
    audit_filter = form.to_filter()
    body = export_csv(session, audit_filter)
    return csv_download(session, body, name="auditlog", record_type=RecordType.AUDIT_LOG)
