// Transport: every vehicle on the map coloured by kind over the bus lines and stops, moved live
// by transport_update (positions are applied at once; the table follows on the debounced reload).
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
};
const markers = new Map();
let map;

const colour = (kind) => (KINDS.find(([k]) => k === kind) || [null, OTHER])[1];

function skeleton(root) {
  clear(root,
    h("div", { class: "tiles", id: "transport-tiles" }, Object.values(tiles).map((t) => t.el)),
    h("section", { class: "card", "aria-labelledby": "transport-map-heading" },
      h("h2", { id: "transport-map-heading" }, "Vehicles live"),
      h("div", { id: "transport-map", class: "transport-map", role: "region", "aria-label": "Map of vehicles, bus lines and stops" }),
      h("ul", { class: "transport-legend", "aria-label": "Vehicle kinds" }, KINDS.map(([kind, c]) => {
        const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
        swatch.style.backgroundColor = c;
        return h("li", {}, swatch, label(kind));
      }))),
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
  const num = (value, digits, unit) => (value === null || value === undefined ? "—" : `${formatNumber(value, digits)}${unit}`);
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

async function load() {
  renderVehicles((await api.get("/api/transport/vehicles")).items);
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
