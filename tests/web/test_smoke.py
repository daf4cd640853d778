from flask.testing import FlaskClient
from support import LoginAs

from niemand_alleen.models import Role


def test_public_home_is_dutch_and_safe(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="nl">' in response.get_data(as_text=True)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_coordinator_logs_in_and_sees_overview(client: FlaskClient, login_as: LoginAs) -> None:
    login_as(Role.COORDINATOR)
    response = client.get("/")
    assert "Oproepen" in response.get_data(as_text=True)
