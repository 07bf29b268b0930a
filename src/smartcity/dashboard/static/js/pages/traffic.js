// Traffic: the road network coloured by congestion level (TTI on the live network), the open
// incidents with a form to report one, Webster signal recommendations with apply, and a
// counter's weekday/weekend hourly profile — refreshed on traffic_update.
import { api, can } from "../api.js";
import { $, clear, formatNumber, formatTime, h, label } from "../dom.js";
import { createMap, fitTo, geoJsonLayer, L } from "../components/map.js";
import { renderTable } from "../components/table.js";
import { createTile } from "../components/tile.js";
import { livePage, markUpdated, toast } from "../shell.js";

// A street has several counters: the id tells them apart.
const counterName = (i) => (i.name && i.name !== i.device_id ? `${i.name} (${i.device_id})` : i.device_id);

const LEVEL_COLORS = { free: "#2e7d32", light: "#9acd32", moderate: "#f9a825", heavy: "#ef6c00",
  severe: "#c62828", closed: "#212121" };
const REFRESH_MS = 60_000;
const tiles = {
  index: createTile({ name: "traffic-index", title: "City congestion (TTI)" }),
  measured: createTile({ name: "traffic-measured", title: "Segments measured" }),
  incidents: createTile({ name: "traffic-incidents", title: "Open incidents" }),
};
let map;
let roads;


function skeleton(root) {
  const form = h("form", { id: "traffic-incident-form", class: "stack", "data-role": "operator" },
    h("label", {}, "Segment ", h("input", { name: "segment_id", required: true, placeholder: "seg-12" })),
    h("label", {}, "Type ", h("select", { name: "type" },
      ["accident", "roadworks", "closure", "breakdown", "event", "weather", "other"].map((t) => h("option", { value: t }, label(t))))),
    h("label", {}, "Severity ", h("select", { name: "severity" },
      ["minor", "major", "critical"].map((t) => h("option", { value: t }, label(t))))),
    h("label", {}, "Description ", h("input", { name: "description" })),
    h("button", { type: "submit" }, "Report incident"));
  clear(root,
    h("div", { class: "tiles", id: "traffic-tiles" }, Object.values(tiles).map((t) => t.el)),
    h("section", { class: "card", "aria-labelledby": "traffic-map-heading" },
      h("h2", { id: "traffic-map-heading" }, "Congestion on the live road network"),
      h("div", { id: "traffic-map", class: "domain-map", role: "region", "aria-label": "Map of road congestion" }),
      h("ul", { class: "legend", "aria-label": "Congestion levels" }, Object.entries(LEVEL_COLORS).map(([name, color]) => {
        const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
        swatch.style.backgroundColor = color;
        return h("li", {}, swatch, label(name));
      }))),
    h("section", { class: "card", "aria-labelledby": "traffic-incidents-heading" },
      h("h2", { id: "traffic-incidents-heading" }, "Incidents"), h("div", { id: "traffic-incidents" }), form),
    h("section", { class: "card", "aria-labelledby": "traffic-signals-heading" },
      h("h2", { id: "traffic-signals-heading" }, "Signal timing (Webster)"), h("div", { id: "traffic-signals" })),
    h("section", { class: "card", "aria-labelledby": "traffic-peaks-heading" },
      h("h2", { id: "traffic-peaks-heading" }, "Peak hours"), h("div", { id: "traffic-peak-controls" }),
      h("div", { id: "traffic-peak-chart", class: "peak-chart" }), h("div", { id: "traffic-peaks" })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    if (!data.description) delete data.description;
    try {
      await api.post("/api/traffic/incidents", data);
      toast("Incident reported");
      form.reset();
      await load();
    } catch (err) { toast(err.message, "error"); }
  });
}

function renderMap(congestion) {
  const levels = Object.fromEntries(congestion.segments.map((s) => [s.segment_id, s]));
  if (roads) roads.remove();
  roads = L.geoJSON(roadFeatures, {
    style: (feature) => ({ color: LEVEL_COLORS[(levels[feature.id] || {}).level] || "#9aa3ad", weight: 4, opacity: 0.85 }),
    onEachFeature: (feature, layer) => {
      const s = levels[feature.id];
      layer.bindTooltip(s ? `${feature.properties.name || feature.id}: ${label(s.level)}${s.tti ? ` · TTI ${s.tti}` : ""}` : feature.id);
    },
  }).addTo(map);
  map.getContainer().dataset.closed = String(congestion.levels.closed);
}

let roadFeatures = { type: "FeatureCollection", features: [] };

async function resolveIncident(id) {
  try {
    await api.patch(`/api/traffic/incidents/${id}`, { status: "resolved" });
    await load();
  } catch (err) { toast(err.message, "error"); }
}

function renderIncidents(items) {
  renderTable($("#traffic-incidents"), {
    caption: "Open incidents take capacity off their segment in every route at once",
    columns: [
      { label: "Reported", value: (i) => formatTime(i.created_ms) },
      { label: "Segment", value: (i) => i.segment_id },
      { label: "Type", value: (i) => label(i.type) },
      { label: "Severity", value: (i) => label(i.severity) },
      { label: "Capacity left", value: (i) => `${Math.round(i.capacity_share * 100)} %`, className: "num" },
      { label: "", value: (i) => (can("operator") ? h("button", { type: "button", onclick: () => resolveIncident(i.id) }, "Resolve") : "") },
    ],
    rows: items, empty: "No open incidents.", rowId: (i) => i.id,
  });
}

async function applyPlan(junction) {
  try {
    const plan = await api.post(`/api/traffic/signals/${junction}/apply`);
    toast(`Plan ${plan.id} sent (${plan.command.status})`);
  } catch (err) { toast(err.message, "error"); }
}

function renderSignals(body) {
  renderTable($("#traffic-signals"), {
    caption: body.method,
    columns: [
      { label: "Signal", value: (i) => i.name || i.device_id },
      { label: "Current cycle", value: (i) => (i.current.cycle_s == null ? "—" : `${formatNumber(i.current.cycle_s)} s`), className: "num" },
      { label: "Recommended cycle", value: (i) => (i.recommended ? `${formatNumber(i.recommended.cycle_s)} s` : `no flow data (${(i.unmeasured_phases || []).join(", ") || "all"})`), className: "num" },
      { label: "Greens", value: (i) => (i.recommended ? i.recommended.effective_green_s.map((g) => `${formatNumber(g, 1)} s`).join(" / ") : "—") },
      { label: "", value: (i) => (i.recommended && can("operator") ? h("button", { type: "button", onclick: () => applyPlan(i.junction_id) }, "Apply") : "") },
    ],
    rows: body.items, empty: "No signalised junctions.", rowId: (i) => i.junction_id,
  });
}

function peakBars(day, means) {
  const top = Math.max(1, ...means.filter((v) => v !== null));
  return h("figure", { class: "peak-figure" },
    h("figcaption", {}, label(day)),
    h("div", { class: "peak-bars", role: "img", dataset: { day },
      "aria-label": `${label(day)} mean flow by hour: ${means.map((v, i) => `${i}:00 ${v === null ? "no data" : `${Math.round(v)} veh/h`}`).join(", ")}` },
    means.map((v, hour) => {
      const bar = h("span", { class: "peak-bar", title: `${hour}:00 · ${v === null ? "no data" : `${formatNumber(v, 0)} veh/h`}` });
      bar.style.height = `${v === null ? 0 : Math.max(2, (100 * v) / top)}%`;
      return bar;
    })));
}

function renderPeakChart(items, deviceId) {
  const item = items.find((i) => i.device_id === deviceId) || items[0];
  const box = $("#traffic-peak-chart");
  if (!item) { clear(box); return; }
  box.dataset.device = item.device_id;
  clear(box, peakBars("weekday", item.weekday), peakBars("weekend", item.weekend));
}

function renderPeaks(items) {
  const choice = h("select", { id: "traffic-peak-counter", "aria-label": "Counter" },
    items.map((i) => h("option", { value: i.device_id }, counterName(i))));
  choice.addEventListener("change", () => renderPeakChart(items, choice.value));
  clear($("#traffic-peak-controls"), h("label", {}, "Counter ", choice));
  renderPeakChart(items, choice.value);
  renderTable($("#traffic-peaks"), {
    caption: "Mean flow per hour of day over the last 28 days (local time)",
    columns: [
      { label: "Counter", value: counterName },
      { label: "Weekday peak", value: (i) => (i.peaks.weekday ? `${i.peaks.weekday.hour}:00 · ${formatNumber(i.peaks.weekday.flow, 0)} veh/h` : "—") },
      { label: "Weekend peak", value: (i) => (i.peaks.weekend ? `${i.peaks.weekend.hour}:00 · ${formatNumber(i.peaks.weekend.flow, 0)} veh/h` : "—") },
    ],
    rows: items, empty: "No counters yet.", rowId: (i) => i.device_id,
  });
}

async function load() {
  const [congestion, incidents, signals] = await Promise.all([api.get("/api/traffic/congestion"),
    api.get("/api/traffic/incidents", { status: "open" }), api.get("/api/traffic/optimization/signals")]);
  const city = congestion.city;
  tiles.index.update({ value: city.index ?? "—", unit: city.index ? "TTI" : "", detail: city.level ? label(city.level) : "no fresh counter data",
    status: !city.level || ["free", "light"].includes(city.level) ? "ok" : city.level === "moderate" ? "warning" : "alarm" });
  tiles.measured.update({ value: city.segments_observed, detail: `of ${congestion.segments.length} segments` });
  tiles.incidents.update({ value: incidents.items.length, status: incidents.items.length ? "warning" : "ok" });
  renderMap(congestion);
  renderIncidents(incidents.items);
  renderSignals(signals);
  markUpdated();
}


async function render() {
  skeleton($("#page-root"));
  map = createMap($("#traffic-map"));
  const [geo, districts] = await Promise.all([
    api.get("/api/city/geojson", { layer: "roads" }).catch(() => null),
    api.get("/api/city/geojson", { layer: "districts" }).catch(() => null)]);
  if (geo) roadFeatures = { ...geo, features: geo.features.filter((f) => f.geometry && f.geometry.type === "LineString") };
  const layers = [];
  if (districts && districts.features.length) layers.push(geoJsonLayer("districts", districts).addTo(map));
  await load();
  if (roads) layers.push(roads);
  fitTo(map, layers);
  api.get("/api/traffic/peak-hours").then((body) => renderPeaks(body.items)).catch(() => null);
}

livePage({
  room: "traffic", render, load, refreshMs: REFRESH_MS,
  styles: ["/static/vendor/leaflet/leaflet.css", "/static/css/roads.css"],
});
