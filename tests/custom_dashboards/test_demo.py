"""The three dashboards shipped with the demo city install and every widget resolves."""

from smartcity.custom_dashboards import demo_install
from smartcity.extensions import db
from smartcity.simulator.seed import seed_city


def test_demo_dashboards_install_for_the_admin_and_resolve(app, client, make_user, login,
                                                           tmp_path):
    admin, _password = make_user("admin")
    with app.app_context():
        assert seed_city(tmp_path / "keys.json") is not None
        ids = demo_install.install(admin["id"])
        db.session.commit()
    headers = {"Authorization": f"Bearer {login('viewer')['access_token']}"}
    listed = client.get("/api/dashboards", headers=headers).get_json()["items"]
    assert [b["title"] for b in listed] == ["Air quality", "City operations", "Energy"]
    for board_id in ids:
        answer = client.get(f"/api/dashboards/{board_id}/data", headers=headers)
        assert answer.status_code == 200, answer.get_json()
        board = client.get(f"/api/dashboards/{board_id}", headers=headers).get_json()
        assert set(answer.get_json()["widgets"]) == {w["id"] for w in board["widgets"]}
