// Device page: latest values, desired vs reported configuration, command buttons with their
// status, live charts per key over 1 h / 24 h / 7 d / 30 d, CSV export and the device's alarms.
import { api, can, download } from "../api.js";
import { $, bootstrap, clear, formatTime, h, label, timeElement } from "../dom.js";
import { AlarmList } from "../components/alarms.js";
import { TimeChart } from "../components/chart.js";
import { formatReading, keyInfo, keyLabel, loadCatalogue } from "../catalogue.js";
import { checkHistory, historyLoading, historyText } from "../history.js";
import { renderTable, updateRows } from "../components/table.js";
import { joinRoom, on } from "../socket.js";
import { markUpdated, startPage, toast } from "../shell.js";
import { commandForm } from "./device-commands.js";
import { Track } from "../components/track.js";

// Position keys are drawn on the track map, not as line charts of degrees.
const MAPPED = new Set(["lat", "lon", "heading"]);
let track = null;

const HOUR = 3_600_000;
const RANGES = [
  { key: "1h", label: "1 h", start: "-1h", interval: "1m", ms: HOUR, words: "the last hour" },
  { key: "24h", label: "24 h", start: "-24h", interval: "15m", ms: 24 * HOUR, words: "the last 24 hours" },
  { key: "7d", label: "7 d", start: "-7d", interval: "1h", ms: 168 * HOUR, words: "the last 7 days" },
  { key: "30d", label: "30 d", start: "-30d", interval: "1h", ms: 720 * HOUR, words: "the last 30 days" },
];
const deviceId = bootstrap().device_id;
const base = `/api/devices/${encodeURIComponent(deviceId)}`;
const latest = {};
const charts = new Map();
const commands = new Map();
let range = RANGES[0];
let device;
let latestTable;
let commandTable;

function renderLatest() {
  const rows = Object.entries(latest).sort(([a], [b]) => a.localeCompare(b)).map(([key, v]) => ({ key, ...v }));
  updateRows(latestTable, rows);
}

let configFields = [];

function renderConfig(attrs) {
  const desired = attrs.desired.values || {};
  const reported = attrs.reported.values || {};
  const keys = [...new Set([...Object.keys(desired), ...Object.keys(reported)])].sort();
  const box = $("#config");
  const named = new Map(configFields.map((f) => [f.name, f]));
  const show = (key, v) => (v === undefined || v === null ? "—" : typeof v === "number" && named.get(key)?.unit
    ? `${v} ${named.get(key).unit}` : typeof v === "boolean" ? (v ? "yes" : "no") : String(v));
  const rows = keys.map((key) => ({ key, desired: desired[key], reported: reported[key] }));
  const holder = h("div");
  clear(box, holder);
  renderTable(holder, {
    caption: "Desired and reported configuration",
    columns: [
      { label: "Setting", value: (r) => named.get(r.key)?.label || label(r.key) },
      { label: "Desired", value: (r) => show(r.key, r.desired) },
      { label: "Reported", value: (r) => show(r.key, r.reported) },
      { label: "In sync", value: (r) => (JSON.stringify(r.desired) === JSON.stringify(r.reported) ? "yes" : "no") },
    ],
    rows, empty: "Nothing set from here yet: the device runs on its own defaults.",
  });
  box.append(h("p", { class: "muted", id: "config-sync" }, attrs.in_sync ? `In sync (version ${attrs.desired.version}).`
    : `Waiting for the device to apply: ${attrs.pending_keys.join(", ")}.`));
  if (can("operator")) box.append(configEditor(desired, reported));
}

/** A form from the type's settings (GET .../config/catalogue); only changed fields are sent. */
function configEditor(desired, reported) {
  const inputs = configFields.map((f) => {
    const id = `config-${f.name}`;
    const current = desired[f.name] ?? reported[f.name];
    const range = f.min !== undefined ? `${f.min}–${f.max}${f.unit ? ` ${f.unit}` : ""}` : "";
    const control = f.type === "boolean"
      ? h("select", { id, name: f.name }, h("option", { value: "" }, "unchanged"),
        h("option", { value: "true", selected: current === true }, "yes"), h("option", { value: "false", selected: current === false }, "no"))
      : h("input", { id, name: f.name, type: f.type === "string" ? "text" : "number", value: current ?? "",
        min: f.min, max: f.max, step: f.type === "integer" ? "1" : f.type === "float" ? "any" : undefined,
        maxlength: f.max_length, "aria-describedby": `${id}-help` });
    return { f, control, field: h("div", { class: "field" },
      h("label", { for: id }, f.unit ? `${f.label} (${f.unit})` : f.label), control,
      h("small", { id: `${id}-help`, class: "muted" }, [f.help, range].filter(Boolean).join(" · "))) };
  });
  const form = h("form", { class: "grid-form", id: "config-form" }, inputs.map((i) => i.field),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button" }, "Send configuration")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const patch = {};
    for (const { f, control } of inputs) {
      if (control.value === "") continue;
      const value = f.type === "boolean" ? control.value === "true" : f.type === "string" ? control.value : Number(control.value);
      if (JSON.stringify(value) !== JSON.stringify(desired[f.name])) patch[f.name] = value;
    }
    if (!Object.keys(patch).length) {
      toast("Nothing changed");
      return;
    }
    try {
      renderConfig(await api.put(`${base}/config`, patch));
      toast("Configuration sent");
    } catch (err) {
      toast(err.message, "error");
    }
  });
  return form;
}

function renderCommands() {
  const rows = [...commands.values()].sort((a, b) => b.created_at - a.created_at).slice(0, 20);
  updateRows(commandTable, rows);
}

/** "sent 12:00:01 · delivered 12:00:02": every stage the command went through, with its time. */
function trail(c) {
  const stages = [["sent", c.sent_at], ["delivered", c.delivered_at], [c.status, c.completed_at]];
  return stages.filter(([name, at]) => at && ["sent", "delivered", "succeeded", "failed", "expired"].includes(name))
    .map(([name, at]) => `${name} ${new Date(at).toLocaleTimeString()}`).join(" · ");
}

const STAGE = { queued: 0, sent: 1, delivered: 2, succeeded: 3, failed: 3, expired: 3 };

/** Keep the furthest state of a command: a list fetched earlier must not undo a live update. */
function trackCommand(command) {
  const known = commands.get(command.id);
  if (!known || STAGE[command.status] >= STAGE[known.status]) commands.set(command.id, command);
  renderCommands();
}

async function sendCommand(name, params) {
  try {
    trackCommand(await api.post(`${base}/commands`, { name, params }));
  } catch (err) {
    toast(err.message, "error");
  }
}

async function loadCharts() {
  const numericKeys = Object.entries(latest).filter(([k, v]) => typeof v.value === "number"
    && !(track && MAPPED.has(k))).map(([k]) => k);
  const box = $("#charts");
  if (!numericKeys.length) {
    clear(box, h("p", { class: "muted" }, "No numeric readings yet."));
    return;
  }
  const answer = await api.get(`${base}/telemetry/aggregate`, {
    keys: numericKeys.join(","), start: range.start, interval: range.interval, agg: "avg" });
  const now = Date.now();
  for (const key of numericKeys) {
    const info = keyInfo(device.type, key);
    if (!charts.has(key)) {
      if (!charts.size) clear(box);
      charts.set(key, new TimeChart(box, { title: info.label, name: key, height: 160, unit: info.unit,
        decimals: info.decimals }));
    }
    const hourly = info.period === "hourly" ? `; ${info.label} is computed hourly` : "";
    const run = historyLoading();
    charts.get(key).setWindow(now - range.ms, now, `No readings in ${range.words}${hourly}.`
      + (run ? ` ${historyText(run)}.` : ""));
    charts.get(key).setData(answer.series[key] || []);
  }
  box.dataset.range = range.key;
}

function renderRanges() {
  const group = $("#ranges");
  clear(group, RANGES.map((r) => h("button", {
    type: "button", class: "button small secondary", "aria-pressed": String(r === range),
    onclick: () => { range = r; renderRanges(); loadCharts().catch((e) => toast(e.message, "error")); },
  }, r.label)));
}

function followLive() {
  joinRoom(`device:${deviceId}`);
  on("telemetry", (items) => {
    let newKey = false;
    let newest = 0;
    for (const item of items) {
      if (item.device_id !== deviceId) continue;
      newest = Math.max(newest, item.ts);
      for (const [key, value] of Object.entries(item.values)) {
        if (!latest[key]) newKey = true;
        if (!latest[key] || latest[key].ts <= item.ts) latest[key] = { ts: item.ts, value };
        charts.get(key)?.append(item.ts, value);
      }
      const { lat, lon } = item.values;
      if (track && typeof lat === "number" && typeof lon === "number") track.move(lat, lon);
    }
    if (!newest) return;  // "last updated" moves only when this device's values do
    renderLatest();
    if (newKey) loadCharts().catch(() => {});
    markUpdated(newest);
  });
  on("command", (command) => {
    if (command.device_id === deviceId) {
      trackCommand(command);
      markUpdated();
    }
  });
  on("attributes", (attrs) => {
    if (attrs.device_id === deviceId) renderConfig(attrs);
  });
  // After a (re)connection, catch up with what happened while no events could arrive.
  on("connect", () => refreshState().catch(() => {}));
}

async function refreshState() {
  const [values, history] = await Promise.all([
    api.get(`${base}/telemetry/latest`), api.get(`${base}/commands`, { limit: 20 })]);
  for (const [key, v] of Object.entries(values.values)) {
    if (!latest[key] || latest[key].ts <= v.ts) latest[key] = v;
  }
  renderLatest();
  history.items.forEach(trackCommand);
}

async function showTrack() {
  $("#track-card").hidden = false;
  const { tile_url: tileUrl, attribution } = bootstrap().map || {};
  track = new Track($("#track"), { tileUrl, attribution });
  const found = await track.load(base);
  $("#track-note").textContent = found ? `${found} positions; the dot is the latest and follows the vehicle live.`
    : "No positions in the last hour.";
}

async function render() {
  [device] = await Promise.all([api.get(base), loadCatalogue(), checkHistory().catch(() => null)]);
  $("#device-title").textContent = device.name || device.id;
  $("#device-meta").textContent = `${device.id} · ${label(device.type)} · ${label(device.domain)} · ${device.status} · ${device.connectivity}` +
    (device.last_seen ? ` · last seen ${formatTime(device.last_seen)}` : "");
  latestTable = renderTable($("#latest"), {
    caption: "Latest value of each key",
    columns: [
      { label: "Key", value: (r) => keyLabel(device.type, r.key) },
      { label: "Value", value: (r) => formatReading(device.type, r.key, r.value), className: "num" },
      { label: "Time", value: (r) => timeElement(r.ts) },
    ],
    rows: [], empty: "No readings yet.",
  });
  commandTable = renderTable($("#commands"), {
    caption: "Recent commands",
    columns: [
      { label: "Command", value: (c) => c.name },
      { label: "Status", value: (c) => h("span", {}, h("span", { class: `pill cmd-${c.status}`, dataset: { commandStatus: c.status } }, c.status),
        h("div", { class: "cmd-trail" }, trail(c))) },
      { label: "Sent by", value: (c) => c.created_by || "—" },
      { label: "Created", value: (c) => timeElement(c.created_at) },
      { label: "Result", value: (c) => (c.error ? c.error : c.result ? JSON.stringify(c.result) : "—") },
    ],
    rows: [], empty: "No commands yet.", rowId: (c) => c.id,
  });
  const [values, attrs, catalogue, history, settings] = await Promise.all([
    api.get(`${base}/telemetry/latest`), api.get(`${base}/attributes`),
    api.get(`${base}/commands/catalogue`), api.get(`${base}/commands`, { limit: 20 }),
    api.get(`${base}/config/catalogue`)]);
  configFields = settings.items;
  if (device.type === "vehicle") await showTrack();
  Object.assign(latest, values.values);
  renderLatest();
  const newest = Math.max(0, ...Object.values(latest).map((v) => v.ts));
  if (newest) markUpdated(newest);  // the device's newest reading, not when the page loaded
  renderConfig(attrs);
  for (const c of history.items) commands.set(c.id, c);
  renderCommands();
  if (can("operator") && $("#command-buttons")) {
    clear($("#command-buttons"), catalogue.items.map((spec) => commandForm(spec, sendCommand, device.name || device.id)));
  }
  renderRanges();
  $("#export-csv").addEventListener("click", () => download(`${base}/telemetry`,
    { format: "csv", start: range.start }, `${deviceId}-telemetry.csv`).catch((e) => toast(e.message, "error")));
  followLive();
  const alarms = new AlarmList($("#device-alarms"), { filters: { originator: `device:${deviceId}` }, limit: 20 });
  await Promise.all([loadCharts(), alarms.load()]);
}

startPage(render);
