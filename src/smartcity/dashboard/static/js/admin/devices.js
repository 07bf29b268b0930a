// Admin · devices: register (key shown once), search and page through the registry, rotate key,
// disable/enable and delete (admins).
import { api, can } from "../api.js";
import { $, clear, h, label } from "../dom.js";
import { renderTable, rowFor, updateRows } from "../components/table.js";
import { deviceTypes, loadCatalogue } from "../catalogue.js";
import { toast } from "../shell.js";
import { field, formValues, section, showSecret } from "./common.js";

const PAGE = 50;
let listBox;
let table;
let cursor = null;
let shown = 0;

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

function searchForm() {
  const form = h("form", { class: "grid-form", id: "admin-device-search", role: "search" },
    field("Search id or name", { name: "q", type: "search", autocomplete: "off" }),
    field("Device type", { name: "type" }, [{ value: "", label: "All types" },
      ...deviceTypes().map((t) => ({ value: t, label: label(t) }))]),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button secondary" }, "Search")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    loadList().catch((err) => toast(err.message, "error"));
  });
  return form;
}

/** The first page of devices matching the search, or (more) the next page after those shown. */
async function loadList(more = false) {
  const filters = formValues($("#admin-device-search"));
  const page = await api.get("/api/devices", { ...filters, limit: PAGE, cursor: more ? cursor : null });
  cursor = page.next_cursor;
  if (more) for (const d of page.items) table.tBodies[0].append(rowFor(table, d));
  else updateRows(table, page.items);
  shown = (more ? shown : 0) + page.items.length;
  $("#admin-device-count").textContent = `${shown} device${shown === 1 ? "" : "s"} shown${cursor ? "; more below" : ""}.`;
  $("#admin-device-more").hidden = !cursor;
}

function listTable() {
  table = renderTable(listBox, {
    caption: "Devices",
    columns: [
      { label: "Id", value: (d) => h("a", { href: `/devices/${encodeURIComponent(d.id)}` }, d.id) },
      { label: "Name", value: (d) => d.name },
      { label: "Type", value: (d) => label(d.type) },
      { label: "Status", value: (d) => d.status },
      { label: "Key prefix", value: (d) => h("code", {}, d.api_key_prefix) },
      { label: "Actions", value: actions },
    ],
    rows: [], rowId: (d) => d.id, empty: "No devices match.",
  });
}

function createForm() {
  const form = h("form", { class: "grid-form", id: "create-device" },
    field("Id", { name: "id", required: true, pattern: "[a-z0-9][a-z0-9_\\-]{0,63}", autocomplete: "off" }),
    field("Name", { name: "name" }),
    field("Type", { name: "type" }, deviceTypes().map((t) => ({ value: t, label: label(t) }))),
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
  await loadCatalogue();
  listBox = h("div");
  const more = h("button", { type: "button", class: "button secondary", id: "admin-device-more", hidden: true,
    onclick: () => loadList(true).catch((err) => toast(err.message, "error")) }, "Load more");
  clear(root, section("Register a device", createForm()), section("All devices", searchForm(),
    h("p", { class: "muted", id: "admin-device-count", "aria-live": "polite" }), listBox, more));
  listTable();
  await loadList();
}
