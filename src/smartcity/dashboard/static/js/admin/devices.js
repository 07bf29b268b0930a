// Admin · devices: register (key shown once), rotate key, disable/enable and delete (admins).
import { api, can } from "../api.js";
import { clear, h, label } from "../dom.js";
import { renderTable } from "../components/table.js";
import { toast } from "../shell.js";
import { field, formValues, section, showSecret } from "./common.js";

const TYPES = ["air_quality_station", "noise_sensor", "weather_station", "traffic_counter",
  "traffic_signal", "smart_bin", "energy_meter", "generator", "water_meter", "pressure_sensor",
  "water_quality_sensor", "vehicle", "streetlight", "water_valve", "battery", "gateway"];
let listBox;

async function act(fn, message) {
  try {
    await fn();
    if (message) toast(message);
    await loadList();
  } catch (err) {
    toast(err.message, "error");
  }
}

function actions(device) {
  const box = h("div", { class: "row-actions" },
    h("button", { type: "button", class: "button small secondary", "aria-label": `Rotate key of ${device.id}`,
      onclick: () => act(async () => {
        const answer = await api.post(`/api/devices/${encodeURIComponent(device.id)}/rotate-key`);
        await showSecret(`New API key for ${device.id}`, answer.api_key, "The old key no longer works. The new one is shown only this once.");
      }) }, "Rotate key"));
  if (can("admin")) {
    const disable = device.status === "active";
    box.append(h("button", { type: "button", class: "button small secondary", "aria-label": `${disable ? "Disable" : "Enable"} ${device.id}`,
      onclick: () => act(() => api.patch(`/api/devices/${encodeURIComponent(device.id)}`, { status: disable ? "disabled" : "active" }),
        `${device.id} ${disable ? "disabled" : "enabled"}`) }, disable ? "Disable" : "Enable"));
    box.append(h("button", { type: "button", class: "button small danger", "aria-label": `Delete ${device.id}`,
      onclick: () => confirm(`Delete device ${device.id} and its key?`) && act(() => api.del(`/api/devices/${encodeURIComponent(device.id)}`), `${device.id} deleted`) }, "Delete"));
  }
  return box;
}

async function loadList() {
  const page = await api.get("/api/devices", { limit: 200 });
  renderTable(listBox, {
    caption: "Devices",
    columns: [
      { label: "Id", value: (d) => h("a", { href: `/devices/${encodeURIComponent(d.id)}` }, d.id) },
      { label: "Name", value: (d) => d.name },
      { label: "Type", value: (d) => label(d.type) },
      { label: "Status", value: (d) => d.status },
      { label: "Key prefix", value: (d) => h("code", {}, d.api_key_prefix) },
      { label: "Actions", value: actions },
    ],
    rows: page.items, rowId: (d) => d.id,
  });
}

function createForm() {
  const form = h("form", { class: "grid-form", id: "create-device" },
    field("Id", { name: "id", required: true, pattern: "[a-z0-9][a-z0-9_\\-]{0,63}", autocomplete: "off" }),
    field("Name", { name: "name" }),
    field("Type", { name: "type" }, TYPES.map((t) => ({ value: t, label: label(t) }))),
    field("Latitude", { name: "lat", type: "number", step: "any", min: -90, max: 90 }),
    field("Longitude", { name: "lon", type: "number", step: "any", min: -180, max: 180 }),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button" }, "Register device")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const { lat, lon, ...body } = formValues(form);
    if (lat !== undefined && lon !== undefined) body.location = { lat: Number(lat), lon: Number(lon) };
    act(async () => {
      const device = await api.post("/api/devices", body);
      form.reset();
      await showSecret(`API key for ${device.id}`, device.api_key);
    }, "Device registered");
  });
  return form;
}

export async function render(root) {
  listBox = h("div");
  clear(root, section("Register a device", createForm()), section("All devices", listBox));
  await loadList();
}
