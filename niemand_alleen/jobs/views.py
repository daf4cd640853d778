"""The beheerder's view of the periodic jobs: last run, outcome, next run and last error."""

from __future__ import annotations

from flask import Blueprint, render_template

from niemand_alleen.auth import roles_required
from niemand_alleen.db import request_session
from niemand_alleen.jobs import job_statuses
from niemand_alleen.models import Role

bp = Blueprint("jobs", __name__, url_prefix="/beheer/taken")


@bp.route("")
@roles_required(Role.BEHEERDER)
def job_overview() -> str:
    return render_template("jobs/overview.html", statuses=job_statuses(request_session()))
