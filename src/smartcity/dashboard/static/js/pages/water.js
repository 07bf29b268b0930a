// Water: the DMAs on the map coloured by last night's leakage rank, the ranking (minimum night
// flow, legitimate use, leakage and ILI), a DMA's hourly inlet flow over the last week (uPlot;
// the night troughs are its minimum night flow), pressure per DMA with the pressure-drop check,
// water quality against its limits, isolations, and the water alarms. water_update (new water
// readings, coalesced) reloads.
import { api } from "../api.js";
import { $, clear, formatNumber, formatTime, h, label } from "../dom.js";
import { AlarmList } from "../components/alarms.js";
import { TimeChart } from "../components/chart.js";
import { createMap, deviceMarker, fitTo, L } from "../components/map.js";
import { renderTable } from "../components/table.js";
import { createTile } from "../components/tile.js";
import { applyRoles, livePage, markUpdated, toast } from "../shell.js";

const REFRESH_MS = 60_000;
const RANK_COLOURS = ["#b71c1c", "#e65100", "#f9a825", "#7cb342", "#2e7d32", "#1b5e20"];
const NO_DATA = "#9aa3ad";
const STATUS_TEXT = { ok: "within limits", low: "below limit", high: "above limit" };
const tiles = {
  leaks: createTile({ name: "water-leaks", title: "Suspected leaks" }),
  inflow: createTile({ name: "water-inflow", title: "Network inflow" }),
  pressure: createTile({ name: "water-pressure", title: "Lowest pressure" }),
  quality: createTile({ name: "water-quality", title: "Quality sensors out of limits" }),
};
const areas = new Map();
let map;
let chart;
let dmaChoice = null;
let ranked = [];


function card(id, title, ...extra) {
  return h("section", { class: "card", "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading` }, title), ...extra, h("div", { id }));
}

function skeleton(root) {
  const select = h("select", { id: "water-dma", "aria-label": "District metered area" });
  select.addEventListener("change", () => { dmaChoice = select.value; loadFlow(); });
  clear(root,
    h("div", { class: "tiles", id: "water-tiles" }, Object.values(tiles).map((t) => t.el)),
    h("div", { class: "water-grid" },
      h("section", { class: "card", "aria-labelledby": "water-map-heading" },
        h("h2", { id: "water-map-heading" }, "DMAs by last night's leakage"),
        h("div", { id: "water-map", class: "water-map", role: "region", "aria-label": "Map of district metered areas ranked by leakage" }),
        h("ul", { class: "water-legend", "aria-label": "Leakage rank" },
          RANK_COLOURS.map((c, i) => legendItem(c, i === 0 ? "1st (most leakage)" : `${i + 1}${["st", "nd", "rd"][i] || "th"}`)),
          legendItem(NO_DATA, "no night data"))),
      card("water-flow", "Inlet flow per hour, last 7 days", h("label", {}, "DMA ", select))),
    card("water-ranking", "Leakage ranking (minimum night flow)"),
    h("div", { class: "water-grid even" },
      card("water-pressure", "Pressure"),
      card("water-quality", "Water quality")),
    h("div", { class: "water-grid even" },
      card("water-alarms", "Water alarms"),
      h("section", { class: "card", "aria-labelledby": "water-isolations-heading" },
        h("h2", { id: "water-isolations-heading" }, "Isolations"),
        isolateForm(), h("div", { id: "water-isolations" }))));
}

function isolateForm() {
  const field = (id, text, control) => h("div", { class: "field" }, h("label", { for: id }, text), control);
  const form = h("form", { id: "water-isolate-form", class: "stack", "data-min-role": "operator" },
    field("isolate-dma", "DMA", h("select", { id: "isolate-dma", name: "dma", required: true })),
    field("isolate-action", "Action", h("select", { id: "isolate-action", name: "action" },
      h("option", { value: "close" }, "Close its valves (isolate)"), h("option", { value: "open" }, "Reopen its valves"))),
    field("isolate-reason", "Reason", h("input", { id: "isolate-reason", name: "reason", maxlength: 500 })),
    h("p", { id: "isolate-plan", class: "muted", "aria-live": "polite" }),
    h("div", { class: "field-actions" }, h("button", { class: "button", type: "submit", id: "isolate-send" }, "Send valve commands")));
  form.elements.dma.addEventListener("change", () => showPlan(form.elements.dma.value));
  form.addEventListener("submit", isolate);
  return form;
}

async function showPlan(dmaId) {
  if (!dmaId) return;
  const plan = await api.get(`/api/water/dmas/${encodeURIComponent(dmaId)}/isolation-plan`);
  clear($("#isolate-plan"), plan.valves.length
    ? `set_position to ${plan.valves.map((v) => `${v.device_id} (now ${v.position == null ? "unknown" : `${formatNumber(v.position, 0)} %`})`).join(", ")}; `
      + `${formatNumber(plan.population, 0)} people in ${plan.name}.`
    : `${plan.name} has no valve that isolates it.`);
}

async function isolate(event) {
  event.preventDefault();
  const form = event.target;
  const button = $("#isolate-send");
  button.disabled = true;
  try {
    const body = { dma: form.elements.dma.value, action: form.elements.action.value };
    if (form.elements.reason.value) body.reason = form.elements.reason.value;
    const made = await api.post("/api/water/isolate", body);
    toast(`${made.valves.length} valve command(s) sent to ${made.dma} (${made.status})`);
    renderIsolations(await api.get("/api/water/isolations", { limit: 10 }));
  } catch (err) {
    toast(err.message, "error");
  } finally {
    button.disabled = false;
  }
}

function legendItem(colour, text) {
  const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
  swatch.style.backgroundColor = colour;
  return h("li", {}, swatch, text);
}

const m3h = (v) => (v === null || v === undefined ? "—" : `${formatNumber(v, 1)} m³/h`);
const bar = (v) => (v === null || v === undefined ? "—" : `${formatNumber(v, 2)} bar`);

function renderMap(network, leaks) {
  const rank = new Map(leaks.filter((l) => l.status === "ok").map((l, i) => [l.dma, i]));
  for (const dma of network) {
    if (!dma.geometry) continue;
    const i = rank.get(dma.id);
    const colour = i === undefined ? NO_DATA : RANK_COLOURS[Math.min(i, RANK_COLOURS.length - 1)];
    const style = { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.35 };
    let area = areas.get(dma.id);
    if (!area) {
      area = L.geoJSON(dma.geometry, { style, className: "dma-area" }).addTo(map);
      areas.set(dma.id, area);
    }
    area.setStyle(style);
    const item = leaks.find((l) => l.dma === dma.id);
    area.bindTooltip(`${dma.name}: ${item && item.status === "ok"
      ? `rank ${i + 1}, leakage ${formatNumber(item.leakage_m3_per_day, 0)} m³/day` : "no night data"}`);
    area.eachLayer((layer) => {
      const el = layer.getElement();
      if (el) Object.assign(el.dataset, { dma: dma.id, rank: i === undefined ? "none" : String(i + 1) });
    });
    for (const sensor of dma.devices.pressure_sensors) {
      const loc = dma.locations?.[sensor];
      if (!loc || areas.has(sensor)) continue;
      const marker = deviceMarker(loc.lat, loc.lon, { color: "#ffffff", weight: 1.5, fillOpacity: 0.95, radius: 6, fillColor: "#1f6fb2" }).addTo(map);
      marker.bindTooltip(() => `${sensor}: ${bar(latestPressure.get(sensor))}`);
      areas.set(sensor, marker);
    }
  }
  $("#water-map").dataset.dmas = String(network.filter((d) => d.geometry).length);
}

const latestPressure = new Map();

function renderRanking(leaks) {
  ranked = leaks;
  const night = leaks[0]?.night;
  renderTable($("#water-ranking"), {
    caption: `Night of ${night ? new Date(night).toISOString().slice(0, 10) : "—"} (UTC), biggest leakage first: `
      + "net night flow = MNF − legitimate night use; leakage per day = net × hour-day factor (FAVAD from the DMA's pressure, else 24); ILI = leakage / UARL (IWA)",
    columns: [
      { label: "Rank", value: (l) => (l.status === "ok" ? String(leaks.indexOf(l) + 1) : "—"), className: "num" },
      { label: "DMA", value: (l) => l.name },
      { label: "Population", value: (l) => formatNumber(l.population, 0), className: "num" },
      { label: "Min. night flow", value: (l) => m3h(l.min_night_flow_m3h), className: "num" },
      { label: "Legitimate", value: (l) => m3h(l.legitimate_night_flow_m3h), className: "num" },
      { label: "Net", value: (l) => m3h(l.net_night_flow_m3h), className: "num" },
      { label: "Hour-day factor", value: (l) => (l.hour_day_factor == null ? "—" : `${formatNumber(l.hour_day_factor, 1)} h`), className: "num" },
      { label: "Leakage", value: (l) => (l.leakage_m3_per_day == null ? "—" : `${formatNumber(l.leakage_m3_per_day, 0)} m³/day`), className: "num" },
      { label: "ILI", value: (l) => (l.ili == null ? "—" : formatNumber(l.ili, 1)), className: "num" },
      { label: "Status", value: (l) => (l.status === "ok" ? "analysed" : "no night data") },
    ],
    rows: leaks, empty: "No DMAs yet.", rowId: (l) => l.dma,
  });
  const choose = $("#isolate-dma");
  if (choose && !choose.options.length) {
    for (const l of [...leaks].sort((a, b) => a.dma.localeCompare(b.dma, undefined, { numeric: true }))) {
      choose.append(h("option", { value: l.dma }, l.name));
    }
    showPlan(choose.value).catch(() => null);
  }
  const select = $("#water-dma");
  if (!select.options.length) {
    for (const l of [...leaks].sort((a, b) => a.dma.localeCompare(b.dma, undefined, { numeric: true }))) {
      select.append(h("option", { value: l.dma }, l.name));
    }
    dmaChoice = dmaChoice || leaks.find((l) => l.status === "ok")?.dma || leaks[0]?.dma;
    select.value = dmaChoice || "";
  }
}

async function loadFlow() {
  if (!dmaChoice) return;
  const end = Date.now();
  const body = await api.get("/api/water/consumption", { start: end - 7 * 86_400_000, end, interval: "hour" });
  const item = body.items.find((i) => i.dma === dmaChoice);
  chart.setWindow(end - 7 * 86_400_000, end, "No inlet flow in the last 7 days.");
  chart.setData((item ? item.series : []).map((s) => ({ ts: s.ts, value: s.mean_flow_m3h })));
  const night = ranked.find((l) => l.dma === dmaChoice);
  clear($("#water-flow-note"), night && night.status === "ok"
    ? `Last night's minimum: ${m3h(night.min_night_flow_m3h)} at ${formatTime(night.min_night_flow_at)}; `
      + `legitimate night use ${m3h(night.legitimate_night_flow_m3h)}.`
    : "No night analysis for this DMA yet.");
  $("#water-flow").dataset.points = String(item ? item.series.length : 0);
}

function renderPressure(network, drops) {
  const drop = new Map(drops.map((d) => [d.dma, d]));
  renderTable($("#water-pressure"), {
    caption: "Newest pressure per sensor; pressure drop: the last 15 minutes against each sensor's previous hour, flagged when two neighbours fall together",
    columns: [
      { label: "DMA", value: (d) => d.name },
      { label: "Sensors", value: (d) => Object.entries(d.pressure_bar).map(([s, v]) => `${s} ${bar(v)}`).join(", ") || "—" },
      { label: "Lowest", value: (d) => bar(d.min_pressure_bar), className: "num" },
      { label: "Target", value: (d) => bar(d.pressure_target_bar), className: "num" },
      { label: "Pressure drop", value: (d) => {
        const found = drop.get(d.id);
        if (!found || found.status === "too_few_sensors") return "one sensor: not checked";
        if (found.burst) return h("strong", { class: "water-out" }, `suspected burst: −${formatNumber(found.burst.max_drop_bar, 2)} bar`);
        return found.status === "ok" ? "no drop" : "no recent readings";
      } },
    ],
    rows: network, empty: "No DMAs yet.", rowId: (d) => d.id,
  });
  const lowest = network.filter((d) => d.min_pressure_bar !== null).sort((a, b) => a.min_pressure_bar - b.min_pressure_bar)[0];
  tiles.pressure.update(lowest ? { value: formatNumber(lowest.min_pressure_bar, 2), unit: "bar", detail: lowest.name,
    status: lowest.min_pressure_bar < 2 ? "alarm" : "ok" } : { value: "—", detail: "no readings" });
}

function renderQuality(quality) {
  const cell = (item, name, digits) => {
    const p = item.parameters[name];
    if (p.value === null) return "—";
    const text = `${formatNumber(p.value, digits)} ${quality.limits[name].unit}`.trim();
    return p.status === "ok" ? text : h("strong", { class: "water-out" }, `${text} (${STATUS_TEXT[p.status]})`);
  };
  const limit = (name) => {
    const l = quality.limits[name];
    return [l.min, l.max].every((v) => v !== null) ? `${l.min}–${l.max}` : l.max !== null ? `≤ ${l.max}` : `≥ ${l.min}`;
  };
  renderTable($("#water-quality"), {
    caption: `Limits: pH ${limit("ph")} (EU 2020/2184), turbidity ${limit("turbidity")} NTU, free chlorine ${limit("chlorine")} mg/L (WHO); compliance over the last 24 h`,
    columns: [
      { label: "Sensor", value: (i) => h("a", { href: `/devices/${encodeURIComponent(i.device_id)}` }, i.device_id) },
      { label: "DMA", value: (i) => i.dma_name },
      { label: "pH", value: (i) => cell(i, "ph", 2), className: "num" },
      { label: "Turbidity", value: (i) => cell(i, "turbidity", 2), className: "num" },
      { label: "Chlorine", value: (i) => cell(i, "chlorine", 2), className: "num" },
      { label: "In limits (24 h)", value: (i) => {
        const shares = Object.values(i.parameters).map((p) => p.compliance_pct).filter((v) => v !== null);
        return shares.length ? `${formatNumber(Math.min(...shares), 0)} %` : "—";
      }, className: "num" },
    ],
    rows: quality.items, empty: "No quality sensors.", rowId: (i) => i.device_id,
  });
  tiles.quality.update({ value: quality.out_of_limits, unit: `of ${quality.items.length}`,
    status: quality.out_of_limits ? "alarm" : "ok" });
}

function renderIsolations(body) {
  renderTable($("#water-isolations"), {
    caption: "Valve commands closing or reopening a DMA, newest first",
    columns: [
      { label: "When", value: (i) => formatTime(Date.parse(i.created_at)) },
      { label: "DMA", value: (i) => i.dma },
      { label: "Action", value: (i) => label(i.action) },
      { label: "Valves", value: (i) => i.valves.map((v) => `${v.device_id}: ${v.command ? v.command.status : "?"}`).join(", ") },
      { label: "Status", value: (i) => label(i.status) },
    ],
    rows: body.items, empty: "No isolation sent.", rowId: (i) => String(i.id),
  });
}

async function load() {
  const [network, leaks, drops, quality, isolations, tile] = await Promise.all([
    api.get("/api/water/network"), api.get("/api/water/leaks"), api.get("/api/water/pressure-drops"),
    api.get("/api/water/quality"), api.get("/api/water/isolations", { limit: 10 }),
    api.get("/api/dashboard/overview").catch(() => null)]);
  for (const d of network.items) for (const [s, v] of Object.entries(d.pressure_bar)) latestPressure.set(s, v);
  renderMap(network.items, leaks.items);
  renderRanking(leaks.items);
  renderPressure(network.items, drops.items);
  renderQuality(quality);
  renderIsolations(isolations);
  const known = network.items.filter((d) => d.inlet_flow_m3h !== null);
  tiles.inflow.update(known.length ? { value: formatNumber(known.reduce((s, d) => s + d.inlet_flow_m3h, 0), 0), unit: "m³/h",
    detail: `${known.length} of ${network.items.length} DMA inlets` } : { value: "—", detail: "no readings" });
  const leak = tile?.tiles.find((t) => t.name === "suspected-leaks")?.data;
  if (leak) tiles.leaks.update(leak);
  markUpdated();
  await loadFlow();
}

async function render() {
  skeleton($("#page-root"));
  applyRoles($("#page-root"));  // the isolation form is for operators
  map = createMap($("#water-map"));
  chart = new TimeChart($("#water-flow"), { title: "Inlet flow", name: "inlet-flow", unit: "m³/h", decimals: 1, height: 280 });
  $("#water-flow").after(h("p", { class: "muted", id: "water-flow-note", "aria-live": "polite" }));
  const alarms = new AlarmList($("#water-alarms"), { filters: { domain: "water", status: "active" }, limit: 20, compact: true });
  await Promise.all([load(), alarms.load()]);
  fitTo(map, [...areas.values()]);
}

livePage({
  room: "water", events: ["water_alert"], render, load, refreshMs: REFRESH_MS,
  styles: ["/static/vendor/leaflet/leaflet.css", "/static/vendor/uplot/uPlot.min.css", "/static/css/water.css"],
  onEvent: {
    water_alert: ({ action, alarm }) => {
      if (action === "created") toast(`${label(alarm.type)} at ${alarm.originator_id}`);
    },
  },
});
