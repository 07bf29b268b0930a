"""Progress of the simulator's history backfill, reported to the app and read by the dashboard."""


def test_a_reported_run_is_listed_with_its_percent(client, headers):
    operator, viewer = headers("operator"), headers("viewer")
    body = {"done": 0, "total": 2000, "label": "7 days of history"}
    assert client.put("/api/jobs/progress/history", json=body, headers=operator).status_code == 200
    answer = client.put("/api/jobs/progress/history", headers=operator,
                        json={**body, "done": 840, "detail": "newest hours first"})
    assert answer.get_json()["percent"] == 42.0
    items = client.get("/api/jobs/progress", headers=viewer).get_json()["items"]
    assert [(i["name"], i["label"], i["percent"], i["finished"]) for i in items] == [
        ("history", "7 days of history", 42.0, False)]
    client.put("/api/jobs/progress/history", headers=operator,
               json={**body, "done": 2000, "finished": True})
    assert client.get("/api/jobs/progress", headers=viewer).get_json()["items"][0]["finished"]


def test_a_silent_run_is_no_longer_listed(app, client, headers):
    from smartcity.jobs import progress

    with app.app_context():
        progress.report("history", 10, 100, now=1_000)
    assert client.get("/api/jobs/progress", headers=headers("viewer")).get_json()["items"] == []


def test_bad_reports_name_the_field(client, headers):
    operator = headers("operator")
    answer = client.put("/api/jobs/progress/history", json={"done": -1, "total": 5},
                        headers=operator)
    assert answer.status_code == 400 and "done" in answer.get_json()["error"]["details"]["field"]
    answer = client.put("/api/jobs/progress/a b", json={"done": 1, "total": 5}, headers=operator)
    assert answer.status_code in (400, 404)
    assert client.put("/api/jobs/progress/history", json={"done": 1, "total": 5},
                      headers=headers("viewer")).status_code == 403
