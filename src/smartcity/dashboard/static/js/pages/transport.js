// Transport: every vehicle on the map coloured by kind over the bus lines and stops, moved live
// by transport_update (positions are applied at once; the table follows on the debounced reload);
// beside the map each line's delays over the last 2 h and the busiest stops over the last 24 h.
import { api } from "../api.js";
import { $, clear, formatNumber, h, label } from "../dom.js";
import { createMap, deviceMarker, fitTo, geoJsonLayer } from "../components/map.js";
import { renderTable } from "../components/table.js";
import { createTile } from "../components/tile.js";
import { livePage, markUpdated } from "../shell.js";

const KINDS = [["bus", "#6a3fa0"], ["truck", "#7a6a4f"], ["ambulance", "#1f6fb2"],
  ["fire_engine", "#b35c00"], ["police_car", "#37474f"]];
const OTHER = "#9aa3ad";
const IN_SERVICE = new Set(["in_service", "at_stop", "layover", "en_route", "on_scene", "collecting", "returning"]);

const tiles = {
  service: createTile({ name: "transport-in-service", title: "Vehicles in service" }),
  buses: createTile({ name: "transport-buses", title: "Buses on the road" }),
  riders: createTile({ name: "transport-occupancy", title: "People on board" }),
  onTime: createTile({ name: "transport-on-time", title: "Buses on time (2 h)" }),
};
const markers = new Map();
let map;

const colour = (kind) => (KINDS.find(([k]) => k === kind) || [null, OTHER])[1];

function skeleton(root) {
  clear(root,
    h("div", { class: "tiles", id: "transport-tiles" }, Object.values(tiles).map((t) => t.el)),
    h("div", { class: "transport-grid" },
      h("section", { class: "card", "aria-labelledby": "transport-map-heading" },
        h("h2", { id: "transport-map-heading" }, "Vehicles live"),
        h("div", { id: "transport-map", class: "transport-map", role: "region", "aria-label": "Map of vehicles, bus lines and stops" }),
        h("ul", { class: "transport-legend", "aria-label": "Vehicle kinds" }, KINDS.map(([kind, c]) => {
          const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
          swatch.style.backgroundColor = c;
          return h("li", {}, swatch, label(kind));
        }))),
      h("div", { class: "transport-side" },
        h("section", { class: "card", "aria-labelledby": "transport-lines-heading" },
          h("h2", { id: "transport-lines-heading" }, "Line delays, last 2 h"), h("div", { id: "transport-lines" })),
        h("section", { class: "card", "aria-labelledby": "transport-stops-heading" },
          h("h2", { id: "transport-stops-heading" }, "Busiest stops, last 24 h"), h("div", { id: "transport-stops" })))),
    h("section", { class: "card", "aria-labelledby": "transport-vehicles-heading" },
      h("h2", { id: "transport-vehicles-heading" }, "Vehicles"), h("div", { id: "transport-vehicles" })));
}

function place(id, lat, lon, kind) {
  let marker = markers.get(id);
  if (!marker) {
    marker = deviceMarker(lat, lon, { color: colour(kind), fillColor: colour(kind), className: "transport-vehicle" })
      .bindTooltip(id).addTo(map);
    markers.set(id, marker);
  } else {
    marker.setLatLng([lat, lon]);
  }
  $("#transport-map").dataset.vehicles = String(markers.size);
}

function renderVehicles(items) {
  const moving = items.filter((v) => IN_SERVICE.has(v.state));
  tiles.service.update({ value: moving.length, unit: `of ${items.length}` });
  tiles.buses.update({ value: moving.filter((v) => v.kind === "bus").length,
    unit: `of ${items.filter((v) => v.kind === "bus").length}` });
  tiles.riders.update({ value: items.reduce((s, v) => s + (v.kind === "bus" ? v.occupancy || 0 : 0), 0), unit: "on buses" });
  for (const v of items) if (v.position) place(v.id, v.position.lat, v.position.lon, v.kind);
  renderTable($("#transport-vehicles"), {
    columns: [
      { label: "Vehicle", value: (v) => v.name || v.id },
      { label: "Kind", value: (v) => label(v.kind || "—") },
      { label: "Line", value: (v) => v.line || "—" },
      { label: "State", value: (v) => (v.state ? label(v.state) : "—") },
      { label: "Speed", value: (v) => num(v.speed_kmh, 0, " km/h"), className: "num" },
      { label: "Occupancy", value: (v) => num(v.occupancy, 0, ""), className: "num" },
      { label: "Fuel / battery", value: (v) => num(v.fuel ?? v.battery, 0, " %"), className: "num" },
    ],
    rows: items, empty: "No vehicles.", rowId: (v) => v.id,
  });
}

const num = (value, digits, unit) => (value === null || value === undefined ? "—" : `${formatNumber(value, digits)}${unit}`);

function renderLines(summary) {
  const items = summary ? summary.items : [];
  const passings = items.reduce((s, l) => s + l.passings, 0);
  const onTime = items.reduce((s, l) => s + (l.on_time_pct === null ? 0 : l.on_time_pct * l.passings / 100), 0);
  tiles.onTime.update(passings
    ? { value: Math.round(100 * onTime / passings), unit: "%", detail: `of ${passings} stop passings`, status: onTime / passings >= 0.85 ? "ok" : "warning" }
    : { value: "—", detail: "no stop passed on a trip" });
  const signed = (v) => (v === null ? "—" : `${v > 0 ? "+" : ""}${formatNumber(v / 60, 1)} min`);
  renderTable($("#transport-lines"), {
    columns: [
      { label: "Line", value: (l) => l.short_name || l.route_id },
      { label: "Trips", value: (l) => num(l.trips, 0, ""), className: "num" },
      { label: "Mean delay", value: (l) => signed(l.mean_delay_s), className: "num" },
      { label: "On time", value: (l) => num(l.on_time_pct, 0, " %"), className: "num" },
    ],
    rows: items, empty: summary ? "No bus lines." : "No timetable: no bus line to derive one from.",
    rowId: (l) => l.route_id,
  });
}

function renderStops(demand) {
  renderTable($("#transport-stops"), {
    columns: [
      { label: "Stop", value: (s) => s.name },
      { label: "Boardings", value: (s) => num(s.boardings, 0, ""), className: "num" },
    ],
    rows: demand ? demand.stops : [], empty: "No boardings counted.", rowId: (s) => s.stop_id,
  });
}

// Line delays and stop demand read hours of tracks: at most once a minute, however often
// positions arrive (the vehicles reload on every debounced transport_update).
const SLOW_MS = 60_000;
let slowAt = -Infinity;

async function load() {
  const slow = performance.now() - slowAt >= SLOW_MS;
  if (slow) slowAt = performance.now();
  const [vehicles, lines, demand] = await Promise.all([
    api.get("/api/transport/vehicles"),
    slow ? api.get("/api/transport/lines/adherence").catch(() => null) : undefined,
    slow ? api.get("/api/transport/demand", { top: 8 }).catch(() => null) : undefined]);
  renderVehicles(vehicles.items);
  if (slow) {
    renderLines(lines);
    renderStops(demand);
  }
  markUpdated();
}

async function render() {
  skeleton($("#page-root"));
  map = createMap($("#transport-map"));
  const [lines, stops] = await Promise.all([
    api.get("/api/city/geojson", { layer: "lines" }).catch(() => null),
    api.get("/api/city/geojson", { layer: "stops" }).catch(() => null), load()]);
  const layers = [];
  if (lines && lines.features.length) layers.push(geoJsonLayer("lines", lines).addTo(map));
  if (stops && stops.features.length) layers.push(geoJsonLayer("stops", stops).addTo(map));
  fitTo(map, [...layers, ...markers.values()]);
}

livePage({
  room: "transport", render, load,
  styles: ["/static/vendor/leaflet/leaflet.css", "/static/css/transport.css"],
  onEvent: {
    transport_update: ({ vehicles }) => {
      for (const [id, v] of Object.entries(vehicles || {})) {
        const marker = markers.get(id);
        if (marker && v.lat !== undefined && v.lon !== undefined) marker.setLatLng([v.lat, v.lon]);
      }
    },
  },
});
