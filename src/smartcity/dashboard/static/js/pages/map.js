// City map: the demo city's GeoJSON layers, device markers coloured by connectivity and alarms,
// live vehicle positions, popups with latest values and a link to the device page.
import { api } from "../api.js";
import { $, bootstrap, clear, h, label } from "../dom.js";
import { formatReading, keyLabel, loadCatalogue } from "../catalogue.js";
import { LAYER_TITLES, createMap, deviceMarker, fitTo, geoJsonLayer, layerColour, layerControl, L } from "../components/map.js";
import { joinRoom, on } from "../socket.js";
import { markUpdated, startPage } from "../shell.js";

const COLOURS = { online: "#1b7f3b", offline: "#6b7280", alarm: "#c0142b", vehicle: "#0b5cad" };
// Upper bounds of each band (the last band is "above"): EPA AQI and PM2.5 breakpoints, WHO-ish noise.
const SCALES = {
  aqi: [50, 100, 150, 200], pm25: [12, 35.4, 55.4, 150.4], laeq: [55, 65, 70, 75],
  fill_level: [50, 75, 90, 99], occupancy: [10, 25, 40, 60],
};
// Value bands run green to plum: red stays the alarm's colour alone, so a high reading is never
// mistaken for an alarm (an alarmed device gets a red ring on top of its band).
const BANDS = ["#1b7f3b", "#9a8700", "#d66b00", "#8e3b6e", "#4a2a7a"];
const POINT_LAYERS = ["stations", "stops", "junctions", "bins"];
const VALUE_REFRESH_MS = 30_000;
const markers = new Map(); // device id -> {marker, device}
const alarmed = new Map(); // device id -> count of active alarms
const values = new Map(); // device id -> latest value of the key markers are coloured by
let colourBy = "";
const cityLayerNames = new Set();
let map;

function band(value) {
  const index = SCALES[colourBy].findIndex((limit) => value <= limit);
  return BANDS[index === -1 ? BANDS.length - 1 : index];
}

// A white ring tells devices apart from the city's own point layers (stops, junctions, bins);
// when colouring by value, a red ring marks an active alarm.
function styleFor(device) {
  const alarm = alarmed.get(device.id);
  const ring = { color: "#ffffff", weight: 2, fillOpacity: 0.95 };
  if (colourBy) {
    const value = values.get(device.id);
    const outline = alarm ? { color: COLOURS.alarm, weight: 4 } : {};
    if (typeof value !== "number") return { ...ring, ...outline, fillColor: COLOURS.offline, radius: 5 };
    return { ...ring, ...outline, fillColor: band(value), radius: 9 };
  }
  if (alarm) return { ...ring, fillColor: COLOURS.alarm, radius: 10 };
  if (device.type === "vehicle") return { ...ring, fillColor: COLOURS.vehicle, radius: 8 };
  return { ...ring, fillColor: COLOURS[device.connectivity] || COLOURS.offline, radius: 8 };
}

function renderLegend() {
  const legend = $("#legend");
  const item = (colour, text) => h("li", {}, h("span", { class: "swatch", style: `background:${colour}`, "aria-hidden": "true" }), text);
  if (!colourBy) {
    clear(legend, item(COLOURS.online, "Device online"), item(COLOURS.offline, "Device offline"),
      item(COLOURS.alarm, "Device with an active alarm"), item(COLOURS.vehicle, "Vehicle (live)"),
      POINT_LAYERS.filter((name) => cityLayerNames.has(name)).map((name) =>
        h("li", {}, h("span", { class: "swatch square", style: `background:${layerColour(name)}`, "aria-hidden": "true" }),
          `${LAYER_TITLES[name]} (city layer)`)));
    return;
  }
  const limits = SCALES[colourBy];
  clear(legend, limits.map((limit, i) => item(BANDS[i], `${i ? `${limits[i - 1]} – ` : "≤ "}${limit}`)),
    item(BANDS[BANDS.length - 1], `> ${limits[limits.length - 1]}`),
    item(COLOURS.offline, "No value (small)"),
    h("li", {}, h("span", { class: "swatch", style: `background:${BANDS[0]};box-shadow:0 0 0 3px ${COLOURS.alarm}`, "aria-hidden": "true" }),
      "Red ring: active alarm"));
}

async function loadValues() {
  values.clear();
  if (colourBy) {
    const answer = await api.get("/api/dashboard/latest", { key: colourBy });
    for (const [id, latest] of Object.entries(answer.values)) values.set(id, latest.value);
  }
  for (const id of markers.keys()) restyle(id);
  $("#map").dataset.colourBy = colourBy;
  markUpdated();
}

async function popupContent(device) {
  const box = h("div", { class: "popup" },
    h("strong", {}, device.name || device.id),
    h("div", { class: "muted" }, `${label(device.type)} · ${device.connectivity}`));
  try {
    const latest = await api.get(`/api/devices/${encodeURIComponent(device.id)}/telemetry/latest`);
    const entries = Object.entries(latest.values).slice(0, 8);
    box.append(entries.length
      ? h("dl", { class: "popup-values" }, entries.flatMap(([k, v]) => [h("dt", {}, keyLabel(device.type, k)),
        h("dd", {}, formatReading(device.type, k, v.value))]))
      : h("p", {}, "No readings yet."));
  } catch {
    box.append(h("p", {}, "Latest values unavailable."));
  }
  box.append(h("a", { href: `/devices/${encodeURIComponent(device.id)}` }, "Open device page"));
  return box;
}

function addDevice(device, layer) {
  const loc = device.location;
  if (!loc || typeof loc.lat !== "number" || typeof loc.lon !== "number") return;
  const marker = deviceMarker(loc.lat, loc.lon, styleFor(device));
  marker.bindTooltip(device.name || device.id);
  marker.bindPopup("Loading…");
  marker.on("popupopen", async () => marker.setPopupContent(await popupContent(device)));
  marker.on("add", () => {
    const el = marker.getElement();
    if (el) {
      el.dataset.deviceId = device.id;
      el.classList.add("device-marker");
    }
  });
  marker.addTo(layer);
  markers.set(device.id, { marker, device });
}

function restyle(id) {
  const entry = markers.get(id);
  if (entry) entry.marker.setStyle(styleFor(entry.device));
}

async function loadDevices() {
  const b = bootstrap();
  if (b.map.geojson) {
    const collection = await api.get("/api/city/geojson", { layer: "devices" });
    return collection.features.map((f) => ({
      id: f.id, ...f.properties,
      location: f.geometry && f.geometry.type === "Point"
        ? { lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] } : null,
    }));
  }
  // Before the city API exists: every device with a location, page by page.
  const devices = [];
  let cursor = null;
  do {
    const page = await api.get("/api/devices", { limit: 1000, cursor });
    devices.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && devices.length < 10_000);
  return devices;
}

async function loadLayers(overlays) {
  const names = Object.keys(LAYER_TITLES);
  const layers = await Promise.all(names.map((name) =>
    api.get("/api/city/geojson", { layer: name }).catch(() => null)));
  const added = [];
  names.forEach((name, i) => {
    const collection = layers[i];
    if (!collection || !collection.features.length) return;
    const layer = geoJsonLayer(name, collection).addTo(map);
    overlays[LAYER_TITLES[name]] = layer;
    cityLayerNames.add(name);
    added.push(layer);
  });
  return added;
}

async function loadAlarms() {
  const page = await api.get("/api/alerts", { status: "active", limit: 1000 });
  for (const alarm of page.items) {
    if (alarm.originator_type === "device") alarmed.set(alarm.originator_id, (alarmed.get(alarm.originator_id) || 0) + 1);
  }
}

function followLive() {
  on("system_update", (update) => {
    if (update.kind !== "connectivity") return;
    const entry = markers.get(update.device_id);
    if (entry) {
      entry.device.connectivity = update.connectivity;
      restyle(update.device_id);
      markUpdated();
    }
  });
  on("alert", ({ alarm }) => {
    if (alarm.originator_type !== "device") return;
    const was = alarmed.get(alarm.originator_id) || 0;
    alarmed.set(alarm.originator_id, alarm.active ? Math.max(was, 1) : 0);
    restyle(alarm.originator_id);
    markUpdated();
  });
  on("telemetry", (items) => {
    for (const item of items) {
      const entry = markers.get(item.device_id);
      if (colourBy && typeof item.values[colourBy] === "number") {
        values.set(item.device_id, item.values[colourBy]);
        restyle(item.device_id);
      }
      const { lat, lon } = item.values;
      if (entry && typeof lat === "number" && typeof lon === "number") {
        entry.marker.setLatLng([lat, lon]);
        entry.device.connectivity = "online";
      }
    }
    markUpdated();
  });
}

async function render() {
  const b = bootstrap();
  map = createMap($("#map"), { tileUrl: b.map.tile_url, attribution: b.map.attribution });
  const devicesLayer = L.layerGroup().addTo(map);
  const vehiclesLayer = L.layerGroup().addTo(map);
  const overlays = {};
  const [devices, cityLayers] = await Promise.all([loadDevices(), b.map.geojson ? loadLayers(overlays) : [], loadAlarms(),
    loadCatalogue()]);
  for (const device of devices) addDevice(device, device.type === "vehicle" ? vehiclesLayer : devicesLayer);
  overlays.Devices = devicesLayer;
  overlays.Vehicles = vehiclesLayer;
  layerControl(map, overlays);
  for (const device of devices) if (device.type === "vehicle") joinRoom(`device:${device.id}`);
  followLive();
  $("#colour-by").addEventListener("change", (event) => {
    colourBy = event.target.value;
    renderLegend();
    loadValues().catch(() => {});
  });
  setInterval(() => { if (colourBy) loadValues().catch(() => {}); }, VALUE_REFRESH_MS);
  const fitted = fitTo(map, [...cityLayers, ...[...markers.values()].map((m) => m.marker)]);
  renderLegend();
  $("#marker-count").textContent = String(markers.size);
  $("#map").dataset.markers = String(markers.size);
  const note = $("#map-note");
  if (!b.map.geojson) note.textContent = "City layers are not available yet; showing devices with a location.";
  else if (!fitted) note.textContent = "Nothing with a location to show yet.";
}

startPage(render);
