"""The three dashboards shipped with the demo city (demo/*.json, in the export format), installed
for the demo admin and shared read-only with every role."""

from importlib import resources

import orjson

from smartcity.custom_dashboards import service
from smartcity.custom_dashboards.schemas import dashboard_create

DEMO = ("city-operations", "air-quality", "energy")


def install(owner_id: int) -> list[int]:
    ids, folder = [], resources.files("smartcity.custom_dashboards") / "demo"
    for name in DEMO:
        text = (folder / f"{name}.json").read_bytes()
        body = dashboard_create.load(service.import_document(orjson.loads(text)))
        body["shared_roles"] = ["viewer", "operator", "admin"]
        ids.append(service.create(body, owner_id, "dashboard").id)
    return ids
