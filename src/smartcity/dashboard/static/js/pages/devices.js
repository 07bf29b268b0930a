// Device list: search and filters in the URL, pages of 50, links to each device page.
import { api } from "../api.js";
import { $, formatTime, h, label } from "../dom.js";
import { renderTable, rowFor, updateRows } from "../components/table.js";
import { startPage } from "../shell.js";

const DOMAINS = ["traffic", "environment", "waste", "energy", "water", "transport", "emergency",
  "lighting", "infrastructure"];
let table;
let cursor = null;

const columns = [
  { label: "Device", value: (d) => h("a", { href: `/devices/${encodeURIComponent(d.id)}` }, d.name || d.id) },
  { label: "Id", value: (d) => h("code", {}, d.id) },
  { label: "Type", value: (d) => label(d.type) },
  { label: "Domain", value: (d) => label(d.domain) },
  { label: "Connectivity", value: (d) => h("span", { class: `pill ${d.connectivity}` }, d.connectivity) },
  { label: "Status", value: (d) => d.status },
  { label: "Last seen", value: (d) => (d.last_seen ? formatTime(d.last_seen) : "never") },
];

function filters() {
  const form = $("#device-filters");
  return Object.fromEntries(new FormData(form).entries());
}

async function load(append = false) {
  const page = await api.get("/api/devices", { ...filters(), limit: 50, cursor: append ? cursor : null });
  cursor = page.next_cursor;
  if (append) for (const d of page.items) table.tBodies[0].append(rowFor(table, d));
  else updateRows(table, page.items);
  $("#more").hidden = !cursor;
}

async function render() {
  const form = $("#device-filters");
  const select = $("#f-domain");
  for (const d of DOMAINS) select.append(h("option", { value: d }, label(d)));
  const params = new URLSearchParams(location.search);
  for (const [key, value] of params) if (form.elements[key]) form.elements[key].value = value;
  table = renderTable($("#device-table"), { caption: "Registered devices", columns, rows: [], empty: "No devices match." });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams(Object.entries(filters()).filter(([, v]) => v));
    history.replaceState(null, "", query.toString() ? `?${query}` : location.pathname);
    load();
  });
  $("#more").addEventListener("click", () => load(true));
  await load();
}

startPage(render);
