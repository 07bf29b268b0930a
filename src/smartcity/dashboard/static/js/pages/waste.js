// Waste: bins on the map coloured by fill level, the fullest bins with their fill rate and time
// to full, collection routes planned per truck (drawn along the roads, against the
// nearest-neighbour baseline), the collection schedule, and the waste alarms.
import { api } from "../api.js";
import { $, clear, formatNumber, formatTime, h, label } from "../dom.js";
import { AlarmList } from "../components/alarms.js";
import { createMap, deviceMarker, fitTo, geoJsonLayer, L } from "../components/map.js";
import { renderTable } from "../components/table.js";
import { createTile } from "../components/tile.js";
import { applyRoles, livePage, markUpdated, toast } from "../shell.js";

const BANDS = [["empty", "Below 50 %", 50, "#2e9e44"], ["filling", "50–80 %", 80, "#e0c200"],
  ["high", "80–90 %", 90, "#f07c00"], ["full", "90 % and above", Infinity, "#d11a1a"]];
const NO_DATA = "#9aa3ad";
const ROUTE_COLOURS = ["#1f6fb2", "#6a3fa0", "#00897b", "#b35c00", "#c2185b", "#455a64"];
const REFRESH_MS = 60_000;

const tiles = {
  above: createTile({ name: "waste-above-80", title: "Bins above 80 %" }),
  soon: createTile({ name: "waste-full-24h", title: "Full within 24 h" }),
  mean: createTile({ name: "waste-mean", title: "Mean fill level" }),
  planned: createTile({ name: "waste-planned", title: "Planned collections" }),
};
const markers = new Map();
let map;
let routeLayer;
let bins = [];


function band(level) {
  if (level === null || level === undefined) return ["none", "No data", null, NO_DATA];
  return BANDS.find(([, , upper]) => level < upper);
}

function hours(value) {
  if (value === null || value === undefined) return "—";
  return value < 48 ? `${formatNumber(value, 1)} h` : `${formatNumber(value / 24, 1)} d`;
}

function skeleton(root) {
  const field = (id, text, attrs) => h("div", { class: "field" }, h("label", { for: id }, text),
    h("input", { id, name: id, class: "small-input", ...attrs }));
  clear(root,
    h("div", { class: "tiles", id: "waste-tiles" }, Object.values(tiles).map((t) => t.el)),
    h("div", { class: "waste-grid" },
      h("section", { class: "card", "aria-labelledby": "waste-map-heading" },
        h("h2", { id: "waste-map-heading" }, "Bins by fill level"),
        h("div", { id: "waste-map", class: "waste-map", role: "region", "aria-label": "Map of smart bins and planned routes" }),
        h("ul", { class: "waste-legend", "aria-label": "Fill levels" }, [...BANDS, ["none", "No data", null, NO_DATA]].map(([, text, , colour]) => {
          const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
          swatch.style.backgroundColor = colour;
          return h("li", {}, swatch, text);
        }))),
      h("section", { class: "card", "aria-labelledby": "waste-plan-heading", "data-min-role": "operator" },
        h("h2", { id: "waste-plan-heading" }, "Plan collection routes"),
        h("form", { id: "waste-plan-form", class: "stack" },
          field("trucks", "Trucks", { type: "number", min: 1, max: 12, value: 3, required: true }),
          field("capacity_l", "Capacity per truck (litres)", { type: "number", min: 1000, step: 1000, value: 30000, required: true }),
          field("threshold_pct", "Collect bins at or above (%)", { type: "number", min: 0, max: 100, value: 80, required: true }),
          field("horizon_h", "…or predicted full within (hours)", { type: "number", min: 0, max: 336, value: 24, required: true }),
          field("time_limit_s", "Solver time limit (s)", { type: "number", min: 1, max: 60, value: 3, required: true }),
          h("div", { class: "field-actions" }, h("button", { class: "button", type: "submit", id: "waste-plan" }, "Plan routes"))),
        h("div", { id: "waste-plan-summary", "aria-live": "polite" }))),
    h("section", { class: "card", "aria-labelledby": "waste-routes-heading" },
      h("h2", { id: "waste-routes-heading" }, "Planned routes"), h("div", { id: "waste-routes" },
        h("p", { class: "muted" }, "No routes planned on this page yet."))),
    h("section", { class: "card", "aria-labelledby": "waste-bins-heading" },
      h("h2", { id: "waste-bins-heading" }, "Fullest bins"), h("div", { id: "waste-bins" })),
    h("section", { class: "card", "aria-labelledby": "waste-schedule-heading" },
      h("h2", { id: "waste-schedule-heading" }, "Collection schedule"), h("div", { id: "waste-schedule" })),
    h("section", { class: "card", "aria-labelledby": "waste-alarms-heading" },
      h("h2", { id: "waste-alarms-heading" }, "Waste alarms"), h("div", { id: "waste-alarms" })));
}

function renderTiles(items) {
  const known = items.filter((b) => b.level !== null);
  const above = known.filter((b) => b.level >= 80).length;
  tiles.above.update({ value: above, unit: `of ${known.length}`,
    status: above === 0 ? "ok" : above < 0.2 * known.length ? "warning" : "alarm" });
  tiles.soon.update({ value: known.filter((b) => b.hours_to_full !== null && b.hours_to_full <= 24).length,
    unit: "bins", detail: "by each bin's fill rate since its last emptying" });
  tiles.mean.update({ value: known.length ? formatNumber(known.reduce((s, b) => s + b.level, 0) / known.length, 0) : "—", unit: "%" });
}

function popup(b) {
  return h("div", { class: "popup" }, h("strong", {}, b.name || b.id),
    h("div", {}, b.level === null ? "No level yet" : `${formatNumber(b.level, 0)} % full · ${label(b.stream)}`),
    h("div", { class: "muted" }, `${formatNumber(b.capacity_l, 0)} L · full in ${hours(b.hours_to_full)}`),
    h("a", { href: `/devices/${encodeURIComponent(b.id)}` }, "Open device page"));
}

function renderMap(items) {
  for (const b of items) {
    if (!b.location) continue;
    const [key, , , colour] = band(b.level);
    const style = { color: "#ffffff", weight: 1.5, fillOpacity: 0.95, radius: 7, fillColor: colour };
    let marker = markers.get(b.id);
    if (!marker) {
      marker = deviceMarker(b.location.lat, b.location.lon, style).addTo(map);
      marker.getElement()?.classList.add("bin-marker");
      markers.set(b.id, marker);
    }
    marker.setStyle(style);
    marker.bindTooltip(`${b.name || b.id}: ${b.level === null ? "no data" : `${formatNumber(b.level, 0)} %`}`);
    marker.bindPopup(popup(b));
    const el = marker.getElement();
    if (el) Object.assign(el.dataset, { binId: b.id, band: key });
  }
  $("#waste-map").dataset.markers = String(markers.size);
}

function renderBins(items) {
  const fullest = [...items].filter((b) => b.level !== null).sort((a, b) => b.level - a.level).slice(0, 15);
  renderTable($("#waste-bins"), {
    caption: "Fill rate: Theil–Sen slope since the last emptying; time to full with its 90 % interval",
    columns: [
      { label: "Bin", value: (b) => h("a", { href: `/devices/${encodeURIComponent(b.id)}` }, b.name || b.id) },
      { label: "Stream", value: (b) => label(b.stream) },
      { label: "District", value: (b) => b.district_name || "—" },
      { label: "Level", value: (b) => `${formatNumber(b.level, 0)} %`, className: "num" },
      { label: "Fill rate", value: (b) => (b.rate_pct_h === null ? "—" : `${formatNumber(b.rate_pct_h, 2)} %/h`), className: "num" },
      { label: "Full in", value: (b) => {
        const [lo, hi] = b.hours_to_full_interval;
        return b.hours_to_full === null ? "—" : `${hours(b.hours_to_full)} (${hours(lo)}–${hi === null ? "never" : hours(hi)})`;
      }, className: "num" },
    ],
    rows: fullest, empty: "No bin has reported a level yet.", rowId: (b) => b.id,
  });
}

function renderSchedule(body) {
  const planned = body.items.filter((c) => c.status === "planned" || c.status === "in_progress");
  tiles.planned.update({ value: planned.length, unit: "rounds",
    detail: `${planned.reduce((s, c) => s + c.bins.length, 0)} bins` });
  renderTable($("#waste-schedule"), {
    caption: "Newest first",
    columns: [
      { label: "When", value: (c) => formatTime(Date.parse(c.scheduled_for)) },
      { label: "Vehicle", value: (c) => c.vehicle_id },
      { label: "Bins", value: (c) => String(c.bins.length), className: "num" },
      { label: "Distance", value: (c) => (c.distance_km === null ? "—" : `${formatNumber(c.distance_km, 1)} km`), className: "num" },
      { label: "Collected", value: (c) => (c.collected_kg === null ? "—" : `${formatNumber(c.collected_kg, 0)} kg`), className: "num" },
      { label: "Status", value: (c) => label(c.status) },
    ],
    rows: body.items, empty: "No collections yet.", rowId: (c) => String(c.id),
  });
}

function renderPlan(plan) {
  if (routeLayer) routeLayer.remove();
  routeLayer = L.layerGroup().addTo(map);
  plan.routes.forEach((r, i) => {
    if (!r.geometry) return;
    L.polyline(r.geometry.coordinates.map(([lon, lat]) => [lat, lon]),
      { color: ROUTE_COLOURS[i % ROUTE_COLOURS.length], weight: 4, opacity: 0.85, className: "waste-route" })
      .bindTooltip(`${r.vehicle_id}: ${r.bins.length} bins, ${formatNumber(r.distance_km, 1)} km`).addTo(routeLayer);
  });
  $("#waste-map").dataset.routes = String(plan.routes.filter((r) => r.geometry).length);
  clear($("#waste-plan-summary"), h("p", { id: "waste-plan-result" },
    `${plan.eligible.length} bins due · ${formatNumber(plan.total_km, 1)} km against ${formatNumber(plan.baseline.total_km, 1)} km `
    + `by nearest neighbour (saving ${formatNumber(plan.saving_pct, 1)} %)`),
  plan.dropped.length ? h("p", { class: "form-error" }, `${plan.dropped.length} bins do not fit the fleet: ${plan.dropped.join(", ")}`) : null);
  renderTable($("#waste-routes"), {
    caption: `OR-Tools capacitated routing (${plan.time_limit_s} s limit) over the road network`,
    columns: [
      { label: "Vehicle", value: (r) => {
        const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
        swatch.style.backgroundColor = ROUTE_COLOURS[plan.routes.indexOf(r) % ROUTE_COLOURS.length];
        return h("span", {}, swatch, ` ${r.vehicle_id}`);
      } },
      { label: "Bins", value: (r) => String(r.bins.length), className: "num" },
      { label: "Load", value: (r) => `${formatNumber(r.load_l, 0)} L (${formatNumber(r.load_pct, 0)} %)`, className: "num" },
      { label: "Distance", value: (r) => `${formatNumber(r.distance_km, 1)} km`, className: "num" },
      { label: "Time", value: (r) => hours(r.duration_h), className: "num" },
      { label: "Stops", value: (r) => r.bins.join(" → ") || "—" },
    ],
    rows: plan.routes, rowId: (r) => r.vehicle_id,
  });
}

async function plan(event) {
  event.preventDefault();
  const form = event.target;
  const button = $("#waste-plan");
  const value = (name) => Number(form.elements[name].value);
  const vehicles = Array.from({ length: value("trucks") }, (_, i) => ({ id: `truck-${i + 1}`, capacity_l: value("capacity_l") }));
  button.disabled = true;
  try {
    renderPlan(await api.post("/api/waste/optimization/routes", { vehicles,
      threshold_pct: value("threshold_pct"), horizon_h: value("horizon_h"), time_limit_s: value("time_limit_s") }));
  } catch (err) {
    toast(err.message, "error");
  } finally {
    button.disabled = false;
  }
}

async function load() {
  const [body, schedule] = await Promise.all([api.get("/api/waste/bins"), api.get("/api/waste/collections", { limit: 20 })]);
  bins = body.items;
  renderTiles(bins);
  renderMap(bins);
  renderBins(bins);
  renderSchedule(schedule);
  markUpdated();
}


async function render() {
  skeleton($("#page-root"));
  applyRoles($("#page-root"));  // the planning form is for operators
  map = createMap($("#waste-map"));
  $("#waste-plan-form")?.addEventListener("submit", plan);
  const alarms = new AlarmList($("#waste-alarms"), { filters: { domain: "waste", status: "active" }, limit: 20, compact: true });
  const [districts] = await Promise.all([
    api.get("/api/city/geojson", { layer: "districts" }).catch(() => null), load(), alarms.load()]);
  const layers = [];
  if (districts && districts.features.length) layers.push(geoJsonLayer("districts", districts).addTo(map));
  fitTo(map, [...layers, ...markers.values()]);
}

livePage({
  room: "waste", events: ["waste_alert"], render, load, refreshMs: REFRESH_MS,
  styles: ["/static/vendor/leaflet/leaflet.css", "/static/css/waste.css"],
  onEvent: {
    waste_alert: ({ action, alarm }) => {
      if (action === "created") toast(`${label(alarm.type)} at ${alarm.originator_id}`);
    },
  },
});
