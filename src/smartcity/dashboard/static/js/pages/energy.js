// Energy: feeder load gauges against capacity, consumption and renewables over the last week,
// each feeder's 24-hour forecast with its prediction band and backtest, carbon, and the load
// balancing recommendations with battery dispatch for operators. Refreshed every minute.
import { api, can } from "../api.js";
import { $, clear, formatNumber, formatTime, h } from "../dom.js";
import { lineChart, methodName } from "../components/linechart.js";
import { renderTable } from "../components/table.js";
import { createTile } from "../components/tile.js";
import { livePage, markUpdated, toast } from "../shell.js";

const REFRESH_MS = 60_000;
const COLORS = { consumption: "var(--accent)", generation: "#2e7d32", forecast: "var(--accent)" };
const tiles = {
  load: createTile({ name: "energy-load", title: "Most loaded feeder" }),
  demand: createTile({ name: "energy-demand", title: "City demand" }),
  share: createTile({ name: "energy-renewables", title: "Renewable share (7 days)" }),
  carbon: createTile({ name: "energy-carbon", title: "Scope 2 emissions (7 days)" }),
};
let feederChoice = null;


function skeleton(root) {
  const card = (id, title, ...extra) => h("section", { class: "card", "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading` }, title), ...extra, h("div", { id }));
  const select = h("select", { id: "energy-feeder", "aria-label": "Feeder" });
  select.addEventListener("change", () => { feederChoice = select.value; loadForecast(); });
  clear(root,
    h("div", { class: "tiles", id: "energy-tiles" }, Object.values(tiles).map((t) => t.el)),
    h("div", { class: "energy-grid" },
      card("energy-feeders", "Feeder load against capacity"),
      card("energy-consumption", "Consumption and local generation, last 7 days")),
    h("div", { class: "energy-grid" },
      card("energy-forecast", "Feeder load forecast, next 24 h", h("label", {}, "Feeder ", select)),
      card("energy-carbon", "Carbon (location-based Scope 2)")),
    card("energy-balancing", "Load balancing"));
}

function renderFeeders(grid) {
  const list = h("ul", { class: "feeder-gauges" }, grid.feeders.map((f) => {
    const pct = f.utilisation == null ? null : Math.round(f.utilisation * 100);
    return h("li", { dataset: { feeder: f.id, status: f.status } },
      h("span", {}, f.name),
      h("meter", { min: 0, max: 130, low: 80, high: 100, optimum: 40, value: pct ?? 0,
        "aria-label": `${f.name} load ${pct ?? "unknown"} % of capacity` }),
      h("span", { class: "gauge-value num" }, pct == null ? "—" : `${pct} %`));
  }));
  clear($("#energy-feeders"), grid.feeders.length ? list : h("p", { class: "muted" }, "No feeders yet."));
  const select = $("#energy-feeder");
  if (!select.options.length) {
    for (const f of grid.feeders) select.append(h("option", { value: f.id }, f.name));
    feederChoice = feederChoice || grid.feeders[0]?.id;
    select.value = feederChoice || "";
  }
}


async function loadForecast() {
  if (!feederChoice) return;
  const body = await api.get("/api/energy/forecast", { feeder_id: feederChoice, hours: 24 });
  const item = body.items[0];
  const box = $("#energy-forecast");
  if (!item || item.error) { clear(box, h("p", { class: "muted" }, item ? item.error : "No forecast.")); return; }
  lineChart(box, { title: `${item.name} forecast (${methodName(item.method)})`, unit: "kW",
    series: [{ name: "forecast", color: COLORS.forecast, points: item.points }],
    band: { lower: item.points.map((p) => p.lower), upper: item.points.map((p) => p.upper) }, limit: item.capacity_kw });
  const b = item.backtest;
  box.append(h("p", { class: "muted", id: "energy-backtest" },
    `Peak ${formatNumber(item.peak.value, 0)} kW at ${formatTime(item.peak.ts)} (${Math.round(item.peak.utilisation * 100)} % of capacity). `
    + `Backtest over ${b.days} days: ` + Object.entries(b.methods).map(([m, s]) =>
      `${methodName(m)} CV(RMSE) ${formatNumber(s.cv_rmse, 1)} %, MASE ${formatNumber(s.mase, 2)}`).join("; ")
    + (b.beats_baseline ? " — beats seasonal naive." : " — does not beat seasonal naive.")));
}

async function dispatch(deviceId, window) {
  try {
    const command = await api.post(`/api/energy/batteries/${deviceId}/dispatch`,
      { action: window.action, power_kw: window.power_kw, duration_s: window.duration_s });
    toast(`${window.action} sent to ${deviceId} (${command.status})`);
  } catch (err) { toast(err.message, "error"); }
}

function renderBalancing(body) {
  const box = $("#energy-balancing");
  clear(box, h("ul", { id: "energy-recommendations" },
    body.recommendations.length ? body.recommendations.map((r) => h("li", {}, r)) : h("li", { class: "muted" }, "No feeder needs relief.")));
  const rows = body.batteries.flatMap((b) => b.windows.map((w) => ({ ...w, battery: b })));
  const table = h("div");
  box.append(table);
  renderTable(table, {
    caption: "Battery windows that lower the substation peak",
    columns: [
      { label: "Battery", value: (r) => r.battery.name },
      { label: "Action", value: (r) => r.action },
      { label: "From", value: (r) => formatTime(r.start) },
      { label: "Hours", value: (r) => r.duration_s / 3600, className: "num" },
      { label: "Power", value: (r) => `${formatNumber(r.power_kw, 0)} kW`, className: "num" },
      { label: "", value: (r) => (can("operator") ? h("button", { type: "button", onclick: () => dispatch(r.battery.device_id, r) }, "Send") : "") },
    ],
    rows, empty: "No battery windows.", rowId: (r) => `${r.battery.device_id}-${r.start}`,
  });
}

async function load() {
  const [grid, renewables, carbon] = await Promise.all([
    api.get("/api/energy/grid"),
    api.get("/api/energy/renewables", { start: "-7d", interval: "1h" }),
    api.get("/api/energy/carbon", { start: "-7d", interval: "1d" })]);
  const worst = grid.feeders.find((f) => f.utilisation != null);
  tiles.load.update(worst ? { value: Math.round(worst.utilisation * 100), unit: "%", detail: worst.name,
    status: { overload: "alarm", warning: "warning" }[worst.status] || "ok" } : { value: "—", detail: "no readings" });
  tiles.demand.update({ value: Math.round(grid.city.demand_kw), unit: "kW", detail: `${grid.city.overloaded} feeders overloaded` });
  tiles.share.update({ value: renewables.share == null ? "—" : formatNumber(renewables.share * 100, 1), unit: "%",
    detail: renewables.self_sufficiency == null ? "" : `self-sufficiency ${formatNumber(renewables.self_sufficiency * 100, 1)} %` });
  tiles.carbon.update({ value: Math.round(carbon.city.emissions_kg / 1000 * 10) / 10, unit: "t CO2e",
    detail: `avoided ${formatNumber(carbon.city.avoided_kg / 1000, 1)} t by local generation` });
  renderFeeders(grid);
  lineChart($("#energy-consumption"), { title: "City energy per hour", unit: "kWh", series: [
    { name: "consumption", color: COLORS.consumption, points: renewables.consumption },
    { name: "local generation", color: COLORS.generation, points: renewables.generation }] });
  renderTable($("#energy-carbon"), {
    caption: `kg CO2e at ${carbon.hourly_profile ? "hourly grid factors" : `${carbon.factor_kg_per_kwh} kg/kWh`}`,
    columns: [{ label: "Day", value: (p) => p.period },
      { label: "Grid import", value: (p) => `${formatNumber(p.grid_import_kwh, 0)} kWh`, className: "num" },
      { label: "Emissions", value: (p) => `${formatNumber(p.emissions_kg, 0)} kg`, className: "num" },
      { label: "Avoided", value: (p) => `${formatNumber(p.avoided_kg, 0)} kg`, className: "num" }],
    rows: carbon.periods, empty: "No readings yet.", rowId: (p) => p.period,
  });
  markUpdated();
  await loadForecast();
  api.get("/api/energy/optimization/load-balancing", { hours: 24 }).then(renderBalancing).catch(() => null);
}


livePage({
  room: "energy", styles: ["/static/css/energy.css"], load, refreshMs: REFRESH_MS,
  render: async () => {
    skeleton($("#page-root"));
    await load();
  },
});
