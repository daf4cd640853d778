"""Privacy rights of neighbours and residents: export and erasure (art. 15, 17, 19)."""

from flask import Flask

from niemand_alleen.privacy.service import (
    SubjectKind,
    SubjectRef,
    UnknownSubjectError,
    erase_subject,
    export_subject,
)

__all__ = [
    "SubjectKind",
    "SubjectRef",
    "UnknownSubjectError",
    "erase_subject",
    "export_subject",
    "init_app",
]


def init_app(app: Flask) -> None:
    """Register the beheerder's privacy request pages."""
    from niemand_alleen.privacy import views

    app.register_blueprint(views.bp)
