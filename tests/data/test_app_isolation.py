"""Two apps in one process each use their own database (tests, a command next to a worker)."""

from __future__ import annotations

from pathlib import Path

from support import Databases

from niemand_alleen import create_app, db
from niemand_alleen.config import load_settings
from niemand_alleen.db import request_session


def test_each_app_keeps_its_own_engine(test_databases: Databases, tmp_path: Path) -> None:
    urls = [test_databases.new_url("sqlite"), test_databases.new_url("sqlite")]
    apps = [
        create_app(
            load_settings("test", environ={}, instance_path=tmp_path / str(number)).with_overrides(
                database_url=url
            )
        )
        for number, url in enumerate(urls)
    ]
    try:
        for app, url in zip(apps, urls, strict=True):
            assert str(app.extensions["database"].engine.url) == url
            # The shared ``db`` (used by jobs and migrations) follows the current app.
            with app.app_context():
                assert str(db.engine.url) == url
                with db.session() as session:
                    assert str(session.get_bind().engine.url) == url
            with app.test_request_context("/"):
                assert str(request_session().get_bind().engine.url) == url
    finally:
        for app in apps:
            app.extensions["database"].engine.dispose()
