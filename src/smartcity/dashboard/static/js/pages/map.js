// City map: the demo city's GeoJSON layers, device markers coloured by connectivity and alarms,
// live vehicle positions, popups with latest values and a link to the device page.
import { api } from "../api.js";
import { $, bootstrap, formatValue, h, label } from "../dom.js";
import { LAYER_TITLES, createMap, deviceMarker, fitTo, geoJsonLayer, layerControl, L } from "../components/map.js";
import { joinRoom, on } from "../socket.js";
import { markUpdated, startPage } from "../shell.js";

const COLOURS = { online: "#1b7f3b", offline: "#6b7280", alarm: "#c0142b", vehicle: "#0b5cad" };
const markers = new Map(); // device id -> {marker, device}
const alarmed = new Map(); // device id -> count of active alarms
let map;

// A white ring tells devices apart from the city's own point layers (stops, junctions, bins).
function styleFor(device) {
  const ring = { color: "#ffffff", weight: 2, fillOpacity: 0.95 };
  if (alarmed.get(device.id)) return { ...ring, fillColor: COLOURS.alarm, radius: 10 };
  if (device.type === "vehicle") return { ...ring, fillColor: COLOURS.vehicle, radius: 8 };
  return { ...ring, fillColor: COLOURS[device.connectivity] || COLOURS.offline, radius: 8 };
}

async function popupContent(device) {
  const box = h("div", { class: "popup" },
    h("strong", {}, device.name || device.id),
    h("div", { class: "muted" }, `${label(device.type)} · ${device.connectivity}`));
  try {
    const latest = await api.get(`/api/devices/${encodeURIComponent(device.id)}/telemetry/latest`);
    const entries = Object.entries(latest.values).slice(0, 8);
    box.append(entries.length
      ? h("dl", { class: "popup-values" }, entries.flatMap(([k, v]) => [h("dt", {}, label(k)), h("dd", {}, formatValue(v.value))]))
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
  const [devices, cityLayers] = await Promise.all([loadDevices(), b.map.geojson ? loadLayers(overlays) : [], loadAlarms()]);
  for (const device of devices) addDevice(device, device.type === "vehicle" ? vehiclesLayer : devicesLayer);
  overlays.Devices = devicesLayer;
  overlays.Vehicles = vehiclesLayer;
  layerControl(map, overlays);
  for (const device of devices) if (device.type === "vehicle") joinRoom(`device:${device.id}`);
  followLive();
  const fitted = fitTo(map, [...cityLayers, ...[...markers.values()].map((m) => m.marker)]);
  $("#marker-count").textContent = String(markers.size);
  $("#map").dataset.markers = String(markers.size);
  const note = $("#map-note");
  if (!b.map.geojson) note.textContent = "City layers are not available yet; showing devices with a location.";
  else if (!fitted) note.textContent = "Nothing with a location to show yet.";
}

startPage(render);
