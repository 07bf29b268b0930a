// Overview: live KPI tiles, the domains' tiles, devices by domain, active alarms, last 7 days.
import { api } from "../api.js";
import { $, clear, formatNumber, h, label } from "../dom.js";
import { AlarmList } from "../components/alarms.js";
import { TimeChart } from "../components/chart.js";
import { renderTable } from "../components/table.js";
import { createTile } from "../components/tile.js";
import { joinRoom, on } from "../socket.js";
import { markUpdated, startPage } from "../shell.js";
import { followHistory, historyLoading, historyText } from "../history.js";

const SEVERITIES = ["critical", "major", "minor", "warning", "info"];
const REFRESH_MS = 30_000;
const MIN_GAP_MS = 1000;

const core = {
  online: createTile({ name: "devices-online", title: "Devices online", href: "/devices?connectivity=online" }),
  offline: createTile({ name: "devices-offline", title: "Devices offline", href: "/devices?connectivity=offline" }),
  alarms: createTile({ name: "alarms-active", title: "Active alarms", href: "/alerts" }),
  ingest: createTile({ name: "ingest-rate", title: "Ingest rate" }),
};
const domainTiles = new Map();

function severityChips(bySeverity) {
  return h("ul", { class: "chips", "aria-label": "Active alarms by severity" },
    SEVERITIES.filter((s) => bySeverity[s]).map((s) =>
      h("li", { class: `badge sev-${s}` }, `${bySeverity[s]} ${s}`)));
}

function renderCore(data) {
  const { devices, alarms, ingest } = data;
  core.online.update({ value: devices.online, unit: `of ${devices.total}`,
    status: devices.total && devices.online === 0 ? "warning" : "ok" });
  core.offline.update({ value: devices.offline, detail: `${devices.disabled} disabled`,
    status: devices.offline ? "warning" : "ok" });
  core.alarms.update({ value: alarms.active, detail: severityChips(alarms.by_severity),
    status: alarms.by_severity.critical ? "alarm" : alarms.active ? "warning" : "ok" });
  // Below one a second, per minute reads better than "0".
  const perSecond = ingest.rate_per_s >= 1;
  core.ingest.update({ value: perSecond ? ingest.rate_per_s : ingest.rate_per_s * 60,
    unit: perSecond ? "readings/s" : "readings/min",
    detail: `${formatNumber(ingest.points)} in the last ${Math.round(ingest.window_s / 60)} min` });
}

async function renderDomainTiles(items) {
  const section = $("#domain-section");
  section.hidden = items.length === 0;
  for (const item of items) {
    if (!domainTiles.has(item.name)) {
      const tile = createTile({ name: item.name, title: item.title, href: item.page_url });
      domainTiles.set(item.name, tile);
      $("#domain-tiles").append(tile.el);
    }
    const tile = domainTiles.get(item.name);
    if (item.source) {
      api.get(item.source).then((d) => tile.update(d)).catch(() => tile.update({ value: "—", detail: "unavailable" }));
    } else {
      tile.update(item.data || { value: "—", detail: item.error || "" });
    }
  }
}

function renderByDomain(byDomain) {
  const rows = Object.entries(byDomain).map(([domain, c]) => ({ domain, ...c }));
  renderTable($("#by-domain"), {
    caption: "Devices per domain by connectivity",
    columns: [
      { label: "Domain", value: (r) => label(r.domain) },
      { label: "Total", value: (r) => String(r.total), className: "num" },
      { label: "Online", value: (r) => String(r.online), className: "num" },
      { label: "Offline", value: (r) => String(r.offline), className: "num" },
    ],
    rows, empty: "No devices registered yet.",
  });
}

let weeklyChart = null;
let weeklyStats = null;

function renderWeekly(stats = weeklyStats) {
  if (!stats) return;
  weeklyStats = stats;
  if (!weeklyChart) weeklyChart = new TimeChart($("#weekly-chart"), { title: "Readings per day", bars: true, daily: true, height: 160, decimals: 0 });
  // While history loads, days still empty are left out rather than drawn as zeros.
  const loading = historyLoading();
  const days = stats.day_starts.map((ts, i) => ({ ts, value: stats.totals.readings[i] }));
  weeklyChart.setEmptyText(loading ? `${historyText(loading)}.` : "No readings in the last seven days.");
  weeklyChart.setData(loading ? days.filter((d) => d.value > 0) : days);
  const rows = [];
  for (const [name, perDomain] of Object.entries(stats.series)) {
    for (const [domain, counts] of Object.entries(perDomain)) rows.push({ name, domain, counts });
    if (!Object.keys(perDomain).length) rows.push({ name, domain: "—", counts: stats.days.map(() => 0) });
  }
  renderTable($("#weekly"), {
    caption: "Readings, alarms and incidents per day (UTC) and domain",
    columns: [
      { label: "Series", value: (r) => r.name },
      { label: "Domain", value: (r) => label(r.domain) },
      ...stats.days.map((day, i) => ({ label: day.slice(5), value: (r) => formatNumber(r.counts[i]), className: "num" })),
    ],
    rows,
  });
}

function showHistory(run) {
  const banner = $("#history-banner");
  banner.hidden = !run;
  if (run) {
    $("#history-text").textContent = historyText(run);
    $("#history-bar").value = run.percent;
  }
  document.body.dataset.history = run ? String(run.percent) : "done";
  if (run) renderWeekly();
  else api.get("/api/dashboard/statistics/weekly").then(renderWeekly).catch(() => {});
}

let loading = null;
let lastLoad = 0;
let pending = null;

async function load() {
  lastLoad = Date.now();
  const data = await api.get("/api/dashboard/overview");
  renderCore(data);
  renderByDomain(data.devices.by_domain);
  await renderDomainTiles(data.tiles);
  document.body.dataset.overviewTs = String(data.ts);
  markUpdated(data.ts);
}

/** Refetch on live signals, at most once a second. */
function scheduleLoad() {
  if (pending) return;
  const wait = Math.max(0, MIN_GAP_MS - (Date.now() - lastLoad));
  pending = setTimeout(async () => {
    pending = null;
    if (loading) await loading;
    loading = load().catch(() => {}).finally(() => { loading = null; });
  }, wait);
}

async function render() {
  const tiles = $("#core-tiles");
  for (const tile of Object.values(core)) tiles.append(tile.el);
  const recent = new AlarmList($("#recent-alarms"), { filters: { status: "active" }, limit: 8, compact: true });
  joinRoom("overview");
  on("overview_update", scheduleLoad);
  on("system_update", scheduleLoad);
  on("alert", scheduleLoad);
  on("connect", scheduleLoad);
  await Promise.all([load(), recent.load(),
    api.get("/api/dashboard/statistics/weekly").then(renderWeekly), followHistory(showHistory)]);
  setInterval(scheduleLoad, REFRESH_MS);
  setInterval(() => api.get("/api/dashboard/statistics/weekly").then(renderWeekly).catch(() => {}), 5 * REFRESH_MS);
}

startPage(render);
