// Environment: a map of the stations coloured by AQI category, a table of sub-indices and the
// dominant pollutant, the chosen station's last 24 hours, health advice, noise and weather, and
// the environment's alarms — refreshed when a station changes category (environment_update).
import { api } from "../api.js";
import { $, clear, formatNumber, formatTime, h, label } from "../dom.js";
import { AlarmList } from "../components/alarms.js";
import { TimeChart } from "../components/chart.js";
import { createMap, deviceMarker, fitTo, geoJsonLayer } from "../components/map.js";
import { renderTable, updateRows } from "../components/table.js";
import { createTile } from "../components/tile.js";
import { livePage, markUpdated, toast } from "../shell.js";

const CATEGORIES = [
  ["Good", "#00E400"], ["Moderate", "#FFFF00"], ["Unhealthy for Sensitive Groups", "#FF7E00"],
  ["Unhealthy", "#FF0000"], ["Very Unhealthy", "#8F3F97"], ["Hazardous", "#7E0023"],
];
const LIGHT_TEXT = new Set(["Very Unhealthy", "Hazardous", "Very poor", "Extremely poor"]);
const NO_DATA = "#9aa3ad";
const POLLUTANTS = [["pm25", "PM2.5"], ["pm10", "PM10"], ["o3_8h", "O₃ 8 h"], ["o3_1h", "O₃ 1 h"],
  ["co", "CO"], ["so2", "SO₂"], ["no2", "NO₂"]];
const NAMES = Object.fromEntries(POLLUTANTS);
const REFRESH_MS = 60_000;

const tiles = {
  city: createTile({ name: "env-city-aqi", title: "City AQI (worst station)" }),
  mean: createTile({ name: "env-mean-aqi", title: "Mean station AQI" }),
  eaqi: createTile({ name: "env-eaqi", title: "European AQI (worst)" }),
  stations: createTile({ name: "env-stations", title: "Stations reporting" }),
};
const markers = new Map();
let map;
let stations = [];
let selected = null;
let table;
let chart;

/** A label on its category's colour, in black or white, whichever the colour is readable with. */
function badge(text, color, extra = {}, category = text) {
  const el = h("span", { class: "aqi-badge", ...extra }, text);
  el.style.backgroundColor = color || NO_DATA;
  el.style.color = LIGHT_TEXT.has(category) ? "#ffffff" : "#000000";
  return el;
}

function aqiCell(item) {
  if (item.aqi === null) return h("span", { class: "muted" }, "no data");
  return h("span", {}, h("span", { class: "aqi-number" }, String(item.aqi)),
    badge(item.category, item.color, { dataset: { category: item.category } }));
}

function skeleton(root) {
  clear(root,
    h("div", { class: "tiles", id: "env-tiles" }, Object.values(tiles).map((t) => t.el)),
    h("p", { class: "muted", id: "env-hour" }),
    h("div", { class: "env-grid" },
      h("section", { class: "card", "aria-labelledby": "env-map-heading" },
        h("h2", { id: "env-map-heading" }, "Stations by AQI category"),
        h("div", { id: "env-map", class: "env-map", role: "region", "aria-label": "Map of air-quality stations" }),
        h("ul", { class: "env-legend", "aria-label": "AQI categories" }, CATEGORIES.map(([name, color]) => {
          const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
          swatch.style.backgroundColor = color;
          return h("li", {}, swatch, name);
        }))),
      h("section", { class: "card advice", id: "env-advice", "aria-labelledby": "env-advice-heading", "aria-live": "polite" },
        h("h2", { id: "env-advice-heading" }, "Health advice"), h("div", { id: "env-advice-body" }))),
    h("section", { class: "card", "aria-labelledby": "env-table-heading" },
      h("h2", { id: "env-table-heading" }, "Stations"), h("div", { id: "env-table" })),
    h("section", { class: "card", "aria-labelledby": "env-chart-heading" },
      h("h2", { id: "env-chart-heading" }, "Last 24 hours"),
      h("div", { class: "env-controls" }, h("div", { class: "field" },
        h("label", { for: "env-station" }, "Station"), h("select", { id: "env-station" }))),
      h("div", { id: "env-chart", class: "chart-box" })),
    h("div", { class: "columns" },
      h("section", { class: "card", "aria-labelledby": "env-noise-heading" },
        h("h2", { id: "env-noise-heading" }, "Noise, last hour"), h("div", { id: "env-noise" })),
      h("section", { class: "card", "aria-labelledby": "env-weather-heading" },
        h("h2", { id: "env-weather-heading" }, "Weather and heat index"), h("div", { id: "env-weather" }))),
    h("section", { class: "card", "aria-labelledby": "env-provider-heading" },
      h("h2", { id: "env-provider-heading" }, "Stations against the weather provider"),
      h("p", { id: "env-provider-status", class: "muted" }), h("div", { id: "env-provider" })),
    h("section", { class: "card", "aria-labelledby": "env-alarms-heading" },
      h("h2", { id: "env-alarms-heading" }, "Environment alarms"), h("div", { id: "env-alarms" })));
}

function renderTiles(summary) {
  const status = (aqi) => (aqi === null ? "ok" : aqi <= 100 ? "ok" : aqi <= 150 ? "warning" : "alarm");
  tiles.city.update({ value: summary.city_aqi ?? "—", unit: summary.category || "",
    detail: summary.worst_station ? `worst: ${summary.worst_station.name || summary.worst_station.device_id}` : "no station has an AQI yet",
    status: status(summary.city_aqi) });
  tiles.mean.update({ value: summary.mean_aqi ?? "—", unit: summary.mean_category || "" });
  const eaqi = summary.eaqi;
  tiles.eaqi.update({ value: eaqi.worst_level ?? "—", unit: eaqi.worst_category || "",
    detail: eaqi.worst_station ? `at ${eaqi.worst_station}` : "", status: (eaqi.worst_level || 0) >= 4 ? "warning" : "ok" });
  tiles.stations.update({ value: summary.reporting, unit: `of ${summary.stations}` });
  $("#env-hour").textContent = `Hour ending ${formatTime(summary.hour + 3_600_000)} · US EPA AQI (TAD 2024), PM by NowCast; EAQI 2024 bands.`;
}

function popup(item) {
  return h("div", { class: "popup" }, h("strong", {}, item.name || item.device_id),
    h("div", {}, item.aqi === null ? "No AQI yet" : `AQI ${item.aqi} · ${item.category}`),
    item.dominant_pollutant ? h("div", { class: "muted" }, `Dominant: ${NAMES[item.dominant_pollutant]}`) : null,
    h("a", { href: `/devices/${encodeURIComponent(item.device_id)}` }, "Open device page"));
}

function renderMap(items) {
  for (const item of items) {
    if (!item.location) continue;
    const style = { color: "#ffffff", weight: 2, fillOpacity: 0.95, radius: 11, fillColor: item.color || NO_DATA };
    let marker = markers.get(item.device_id);
    if (!marker) {
      marker = deviceMarker(item.location.lat, item.location.lon, style).addTo(map);
      marker.on("click", () => select(item.device_id));
      marker.getElement()?.classList.add("env-marker");
      markers.set(item.device_id, marker);
    }
    marker.setStyle(style);
    marker.bindTooltip(`${item.name || item.device_id}: ${item.aqi === null ? "no AQI" : `AQI ${item.aqi}`}`);
    marker.bindPopup(popup(item));
    const el = marker.getElement();
    if (el) Object.assign(el.dataset, { deviceId: item.device_id, category: item.category || "none" });
  }
  $("#env-map").dataset.markers = String(markers.size);
}

function subCell(key) {
  return (item) => {
    const value = item.sub_indices?.[key];
    if (value === undefined) return "—";
    const el = h("span", {}, String(value));
    el.title = `${formatNumber(item.concentrations[key])} ${item.units[key]} (${item.averaging[key]})`;
    return el;
  };
}

function renderStations(items) {
  const columns = [
    { label: "Station", value: (i) => h("a", { href: `/devices/${encodeURIComponent(i.device_id)}` }, i.name || i.device_id) },
    { label: "District", value: (i) => i.district || "—" },
    { label: "AQI", value: aqiCell },
    { label: "Dominant", value: (i) => (i.dominant_pollutant ? NAMES[i.dominant_pollutant] : "—") },
    ...POLLUTANTS.map(([key, name]) => ({ label: name, value: subCell(key), className: "sub" })),
    { label: "EAQI", value: (i) => (i.eaqi ? badge(`${i.eaqi.level} ${i.eaqi.category}`, i.eaqi.color, {}, i.eaqi.category) : "—") },
  ];
  if (!table) {
    table = renderTable($("#env-table"), { caption: "US EPA AQI and sub-indices per station (hover a sub-index for its concentration)",
      columns, rows: items, empty: "No air-quality stations yet.", rowId: (i) => i.device_id });
  } else updateRows(table, items);
  for (const row of table.tBodies[0].rows) row.classList.toggle("selected", row.dataset.id === selected);
}

function renderAdvice() {
  const item = stations.find((s) => s.device_id === selected);
  const box = $("#env-advice-body");
  if (!item || item.aqi === null) {
    clear(box, h("p", { class: "muted" }, item ? `${item.name || item.device_id} has no AQI yet.` : "No station has an AQI yet."));
    return;
  }
  const groups = item.aqi > 100
    ? [h("p", {}, `Sensitive to ${NAMES[item.dominant_pollutant]}:`), h("ul", {}, item.sensitive_groups.map((g) => h("li", {}, g)))]
    : [];
  clear(box,
    h("div", { class: "advice-head" }, h("span", { class: "advice-aqi" }, String(item.aqi)),
      badge(item.category, item.color, { id: "advice-category" })),
    h("p", { class: "muted" }, `${item.name || item.device_id} · dominant pollutant ${NAMES[item.dominant_pollutant]}`),
    h("p", { id: "advice-text" }, item.advice), ...groups,
    item.eaqi ? h("p", { class: "muted" }, `European index: ${item.eaqi.category} — ${item.eaqi.advice}`) : null);
}

async function renderChart() {
  const item = stations.find((s) => s.device_id === selected);
  if (!item) return;
  const history = await api.get(`/api/environment/air-quality/${encodeURIComponent(item.device_id)}/history`, { start: "-24h" });
  if (!chart) chart = new TimeChart($("#env-chart"), { title: "Hourly US EPA AQI", height: 200, decimals: 0 });
  const now = Date.now();
  chart.setWindow(now - 86_400_000, now, `No hourly AQI for ${item.name || item.device_id} in the last 24 hours: `
    + "the index is computed at each full hour from that hour's readings.");
  chart.setData(history.items.map((p) => ({ ts: p.ts, value: p.aqi })));
  $("#env-chart").dataset.station = item.device_id;
}

function select(deviceId) {
  selected = deviceId;
  $("#env-station").value = deviceId;
  renderAdvice();
  renderStations(stations);
  renderChart().catch((err) => toast(err.message, "error"));
}

function renderStationChoice(items) {
  const choice = $("#env-station");
  const current = [...choice.options].map((o) => o.value).join();
  if (current !== items.map((i) => i.device_id).join()) {
    clear(choice, items.map((i) => h("option", { value: i.device_id }, i.name || i.device_id)));
  }
  if (!selected || !items.some((i) => i.device_id === selected)) {
    const worst = items.filter((i) => i.aqi !== null).sort((a, b) => b.aqi - a.aqi)[0] || items[0];
    selected = worst ? worst.device_id : null;
  }
  if (selected) choice.value = selected;
}

function renderNoise(body) {
  renderTable($("#env-noise"), {
    caption: `LAeq over the hour against the ${body.period} limit of the district type`,
    columns: [
      { label: "Sensor", value: (i) => i.name || i.device_id },
      { label: "District type", value: (i) => label(i.district_type || "—") },
      { label: "LAeq 1 h", value: (i) => (i.laeq_1h === null ? "—" : `${formatNumber(i.laeq_1h, 1, 1)} dB(A)`), className: "num" },
      { label: "Limit", value: (i) => (i.limit === null ? "—" : `${i.limit} dB(A)`), className: "num" },
      { label: "Status", value: (i) => (i.exceeded === null ? "—" : i.exceeded ? `over by ${formatNumber(i.exceedance_db, 1, 1)} dB` : "within") },
    ],
    rows: body.items, empty: "No noise sensors yet.",
  });
}

function renderWeather(body) {
  renderTable($("#env-weather"), {
    caption: "Latest readings; heat index after the US National Weather Service",
    columns: [
      { label: "Station", value: (i) => i.name || i.device_id },
      { label: "Temperature", value: (i) => (i.temperature === null ? "—" : `${formatNumber(i.temperature, 1, 1)} °C`), className: "num" },
      { label: "Humidity", value: (i) => (i.humidity === null ? "—" : `${formatNumber(i.humidity, 0, 0)} %`), className: "num" },
      { label: "Heat index", value: (i) => (i.heat_index_c === null ? "—" : `${formatNumber(i.heat_index_c, 1, 1)} °C`), className: "num" },
      { label: "Risk", value: (i) => i.heat_index_category || "none" },
    ],
    rows: body.items, empty: "No weather stations yet.",
  });
}

const PROVIDER_STATUS = {
  ok: () => "Provider answering.",
  unconfigured: () => "No weather provider is configured (WEATHER_API_KEY).",
  unavailable: (p) => `Provider unavailable: ${p.last_error || p.reason || "no answer"}` +
    (p.retry_after_s ? `; next try in ${Math.ceil(p.retry_after_s)} s.` : "."),
};
const degrees = (v) => (v === null || v === undefined ? "—" : `${formatNumber(v, 1, 1)} °C`);
const percent = (v) => (v === null || v === undefined ? "—" : `${formatNumber(v, 0, 0)} %`);

function comparisonStatus(item) {
  if (item.error) return item.error;
  if (item.stale) return "stale reading, not judged";
  return item.has_alerts ? item.alerts.map((a) => a.message).join("; ") : "agrees";
}

function renderProvider(body) {
  const provider = body.provider;
  $("#env-provider-status").textContent = (PROVIDER_STATUS[provider.status] || (() => provider.status))(provider) +
    ` Thresholds: ${body.thresholds.temperature} °C, ${body.thresholds.humidity} % RH.`;
  document.body.dataset.weatherProvider = provider.status;
  renderTable($("#env-provider"), {
    caption: "Latest station readings against the provider's current weather at the station",
    columns: [
      { label: "Station", value: (i) => i.name || i.device_id },
      { label: "Ours", value: (i) => `${degrees(i.local_sensors.temperature)} · ${percent(i.local_sensors.humidity)}`, className: "num" },
      { label: "Provider", value: (i) => (i.weather_api ? `${degrees(i.weather_api.temperature)} · ${percent(i.weather_api.humidity)}` : "—"), className: "num" },
      { label: "Difference", value: (i) => (i.differences.temperature ? degrees(i.differences.temperature.absolute_difference) : "—"), className: "num" },
      { label: "Status", value: comparisonStatus },
    ],
    rows: body.items, rowId: (i) => i.device_id, empty: "No weather stations yet.",
  });
}

async function load() {
  const [quality, summary] = await Promise.all([api.get("/api/environment/air-quality"),
    api.get("/api/environment/air-quality/summary")]);
  stations = quality.items;
  renderTiles(summary);
  renderStationChoice(stations);
  renderMap(stations);
  renderStations(stations);
  renderAdvice();
  document.body.dataset.environmentHour = String(quality.hour);
  markUpdated();
  await Promise.all([renderChart(), api.get("/api/environment/noise").then(renderNoise),
    api.get("/api/environment/weather").then(renderWeather),
    api.get("/api/environment/weather/compare").then(renderProvider)]);
}

async function render() {
  skeleton($("#page-root"));
  map = createMap($("#env-map"));
  $("#env-station").addEventListener("change", (event) => select(event.target.value));
  const alarms = new AlarmList($("#env-alarms"), { filters: { domain: "environment", status: "active" }, limit: 20, compact: true });
  const [districts] = await Promise.all([
    api.get("/api/city/geojson", { layer: "districts" }).catch(() => null), load(), alarms.load()]);
  const layers = [];
  if (districts && districts.features.length) layers.push(geoJsonLayer("districts", districts).addTo(map));
  fitTo(map, [...layers, ...markers.values()]);
}

livePage({
  room: "environment", events: ["environment_alert"], render, load, refreshMs: REFRESH_MS,
  styles: ["vendor/leaflet/leaflet.css", "vendor/uplot/uPlot.min.css", "css/environment.css"],
  onEvent: {
    environment_alert: ({ action, alarm }) => {
      if (action === "created") toast(`${label(alarm.type)} at ${alarm.originator_id}`);
    },
  },
});
