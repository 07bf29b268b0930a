// Emergency: the incident board by status, units on the map, dispatch from the units ranked by
// ETA over the live road network with the chosen route drawn, and the public-alert (CAP 1.2)
// broadcast form — refreshed on emergency_alert.
import { api, can } from "../api.js";
import { $, clear, formatNumber, formatTime, h, label } from "../dom.js";
import { createMap, deviceMarker, fitTo, geoJsonLayer, L } from "../components/map.js";
import { renderTable } from "../components/table.js";
import { createTile } from "../components/tile.js";
import { livePage, markUpdated, toast } from "../shell.js";

const COLUMNS = ["reported", "dispatched", "en_route", "on_scene"];
const NEXT = { dispatched: "en_route", en_route: "on_scene", on_scene: "resolved" };
const UNIT_COLORS = { available: "#2e7d32", dispatched: "#ef6c00", on_scene: "#c62828", out_of_service: "#9aa3ad" };
const REFRESH_MS = 30_000;
const tiles = {
  open: createTile({ name: "emergency-open", title: "Open incidents" }),
  available: createTile({ name: "emergency-available", title: "Units available" }),
};
let map;
let unitLayer;
let routeLayer;
let incidents = [];


function select(name, values) {
  return h("select", { name }, values.map((v) => h("option", { value: v }, label(v))));
}

function skeleton(root) {
  const broadcast = h("form", { id: "emergency-broadcast", class: "stack", "data-role": "operator" },
    h("label", {}, "Headline ", h("input", { name: "headline", required: true, maxlength: 160 })),
    h("label", {}, "Event ", h("input", { name: "event", required: true })),
    h("label", {}, "Description ", h("input", { name: "description", required: true })),
    h("label", {}, "Instruction ", h("input", { name: "instruction" })),
    h("label", {}, "Category ", select("category", ["Safety", "Met", "Fire", "Health", "Env", "Transport", "Infra", "Rescue", "Security", "Geo", "CBRNE", "Other"])),
    h("label", {}, "Urgency ", select("urgency", ["Immediate", "Expected", "Future"])),
    h("label", {}, "Severity ", select("severity", ["Extreme", "Severe", "Moderate", "Minor"])),
    h("label", {}, "Certainty ", select("certainty", ["Observed", "Likely", "Possible"])),
    h("label", {}, "Districts ", h("input", { name: "district_ids", required: true, placeholder: "district-1,district-2" })),
    h("button", { type: "submit" }, "Broadcast"));
  clear(root,
    h("div", { class: "tiles" }, Object.values(tiles).map((t) => t.el)),
    h("section", { class: "card", "aria-labelledby": "emergency-board-heading" },
      h("h2", { id: "emergency-board-heading" }, "Incidents by status"), h("div", { id: "emergency-board", class: "board" })),
    h("section", { class: "card", "aria-labelledby": "emergency-map-heading" },
      h("h2", { id: "emergency-map-heading" }, "Units and routes"),
      h("div", { id: "emergency-map", class: "domain-map", role: "region", "aria-label": "Map of emergency units" })),
    h("section", { class: "card", "aria-labelledby": "emergency-recs-heading" },
      h("h2", { id: "emergency-recs-heading" }, "Recommended units"), h("div", { id: "emergency-recs" },
        h("p", { class: "muted" }, "Choose a reported incident to rank the units by ETA."))),
    h("section", { class: "card", "aria-labelledby": "emergency-alerts-heading" },
      h("h2", { id: "emergency-alerts-heading" }, "Public alerts (CAP 1.2)"), h("div", { id: "emergency-alerts" }), broadcast));
  broadcast.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(broadcast));
    const ids = data.district_ids.split(",").map((s) => s.trim()).filter(Boolean);
    delete data.district_ids;
    if (!data.instruction) delete data.instruction;
    try {
      await api.post("/api/emergency/alerts/broadcast", { ...data, expires_in_s: 3600,
        area: { description: ids.join(", "), district_ids: ids } });
      toast("Alert broadcast");
      broadcast.reset();
      await loadAlerts();
    } catch (err) { toast(err.message, "error"); }
  });
}

async function advance(incident) {
  try {
    await api.patch(`/api/emergency/incidents/${incident.id}`, { status: NEXT[incident.status] });
    await load();
  } catch (err) { toast(err.message, "error"); }
}

function renderBoard() {
  const board = $("#emergency-board");
  clear(board, COLUMNS.map((status) => h("div", { dataset: { status } },
    h("h3", {}, label(status)),
    h("ol", {}, incidents.filter((i) => i.status === status).map((i) => h("li", { dataset: { incident: i.id } },
      h("strong", {}, `${label(i.type)} · P${i.priority}`), h("br"), formatTime(i.times.reported),
      i.unit_id ? h("div", {}, `Unit ${i.unit_id}`) : "",
      status === "reported" ? h("button", { type: "button", onclick: () => recommend(i) }, "Recommend units")
        : can("operator") ? h("button", { type: "button", onclick: () => advance(i) }, `Mark ${label(NEXT[status])}`) : ""))))));
}

function drawRoute(route) {
  if (routeLayer) routeLayer.remove();
  routeLayer = null;
  if (!route) return;
  routeLayer = L.geoJSON(route.geometry, { style: () => ({ color: "#1565c0", weight: 5, opacity: 0.8 }) }).addTo(map);
  map.getContainer().dataset.route = String(route.nodes.length);
}

async function dispatch(unitId, incident) {
  try {
    const body = await api.post(`/api/emergency/units/${unitId}/dispatch`, { incident_id: incident.id });
    drawRoute(body.route);
    toast(`${unitId} dispatched, ETA ${body.route ? formatNumber(body.route.eta_s / 60, 1) : "?"} min`);
    await load();
  } catch (err) { toast(err.message, "error"); }
}

async function recommend(incident) {
  const body = await api.get(`/api/emergency/incidents/${incident.id}/recommendations`);
  renderTable($("#emergency-recs"), {
    caption: `${label(body.kind)} units for the ${incident.type} call, fastest first (live road network)`,
    columns: [
      { label: "Unit", value: (r) => r.unit.name || r.unit.id },
      { label: "ETA", value: (r) => (r.eta_s == null ? "unreachable" : `${formatNumber(r.eta_s / 60, 1)} min`), className: "num" },
      { label: "Straight line", value: (r) => `${formatNumber(r.straight_line_m / 1000, 2)} km`, className: "num" },
      { label: "", value: (r) => (can("operator") ? h("button", { type: "button", onclick: () => dispatch(r.unit.id, incident) }, "Dispatch") : "") },
    ],
    rows: body.items, empty: "No available unit of this kind.", rowId: (r) => r.unit.id,
  });
}

function renderUnits(units) {
  if (unitLayer) unitLayer.remove();
  unitLayer = L.layerGroup(units.filter((u) => u.position).map((u) =>
    deviceMarker(u.position.lat, u.position.lon, { color: UNIT_COLORS[u.status] })
      .bindTooltip(`${u.name} · ${label(u.status)}`))).addTo(map);
}

async function loadAlerts() {
  const body = await api.get("/api/emergency/alerts");
  renderTable($("#emergency-alerts"), {
    caption: "Each alert is also served as a CAP 1.2 XML document",
    columns: [
      { label: "Sent", value: (a) => formatTime(a.sent_ms) },
      { label: "Headline", value: (a) => a.headline },
      { label: "Severity", value: (a) => a.severity },
      { label: "Expires", value: (a) => formatTime(a.expires_ms) },
    ],
    rows: body.items, empty: "No alerts sent.", rowId: (a) => a.id,
  });
}

async function load() {
  const [open, units] = await Promise.all([api.get("/api/emergency/incidents", { status: "open" }),
    api.get("/api/emergency/units")]);
  incidents = open.items;
  const free = units.items.filter((u) => u.status === "available").length;
  tiles.open.update({ value: incidents.length, status: incidents.length ? "warning" : "ok" });
  tiles.available.update({ value: free, detail: `of ${units.items.length} units`, status: free ? "ok" : "alarm" });
  renderBoard();
  renderUnits(units.items);
  markUpdated();
  return units.items;
}


async function render() {
  skeleton($("#page-root"));
  map = createMap($("#emergency-map"));
  const districts = await api.get("/api/city/geojson", { layer: "districts" }).catch(() => null);
  const layers = [];
  if (districts && districts.features.length) layers.push(geoJsonLayer("districts", districts).addTo(map));
  await Promise.all([load(), loadAlerts()]);
  if (unitLayer) layers.push(...unitLayer.getLayers());
  fitTo(map, layers);
}

livePage({
  room: "emergency", events: ["emergency_alert"], render, load, refreshMs: REFRESH_MS, debounceMs: 300,
  styles: ["/static/vendor/leaflet/leaflet.css", "/static/css/roads.css"],
  onEvent: {
    emergency_alert: (event) => {
      if (event.kind === "broadcast") toast(`Public alert: ${event.alert.headline}`);
    },
  },
});
