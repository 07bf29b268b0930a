// Analytics: every domain's KPIs over a period with target, met, trend and definition; any
// device-key's forecast with its prediction interval and backtest against seasonal naive; and a
// correlation explorer of two device-keys (Pearson and Spearman at lag 0 and the best lag).
import { api } from "../api.js";
import { $, clear, formatNumber, h } from "../dom.js";
import { keyLabel, keysOf, loadCatalogue, unitOf } from "../catalogue.js";
import { lineChart, methodName } from "../components/linechart.js";
import { renderTable } from "../components/table.js";
import { livePage, markUpdated, toast } from "../shell.js";

const PERIODS = [["day", "Last day"], ["week", "Last 7 days"], ["month", "Last 30 days"]];
let devices = [];

function field(id, text, control) {
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, text), control);
}

const options = (pairs, selected) => pairs.map(([value, text]) =>
  h("option", { value, selected: value === selected }, text));

function skeleton(root) {
  const period = h("select", {}, options(PERIODS, "week"));
  period.addEventListener("change", () => loadKpis().catch((err) => toast(err.message, "error")));
  clear(root,
    h("section", { class: "card", "aria-labelledby": "kpi-heading" },
      h("h2", { id: "kpi-heading" }, "Key performance indicators"),
      h("div", { class: "filters" }, field("kpi-period", "Period", period)),
      h("p", { class: "muted", id: "kpi-window" }),
      h("div", { id: "kpi-domains" })),
    h("div", { class: "columns" },
      h("section", { class: "card", "aria-labelledby": "forecast-heading" },
        h("h2", { id: "forecast-heading" }, "Forecast"),
        h("form", { id: "forecast-form", class: "grid-form" },
          field("forecast-device", "Device", h("select", { name: "device_id", required: "" })),
          field("forecast-key", "Key", h("select", { name: "key", required: "" })),
          field("forecast-method", "Method", h("select", { name: "method" }, options([["auto", "best by backtest"],
            ["seasonal_naive", "seasonal naive"], ["holt_winters", "Holt-Winters"], ["regression", "time-of-week regression"]], "auto"))),
          field("forecast-history", "History (days)", h("input", { name: "history_days", type: "number", min: 3, max: 366, value: 7 })),
          h("div", { class: "field-actions" }, h("button", { class: "button", type: "submit" }, "Forecast"))),
        h("div", { id: "forecast-chart", "aria-live": "polite" },
          h("p", { class: "muted" }, "Choose a device and key: the next 24 hours of its hourly means, with the interval and the backtest behind them.")),
        h("p", { class: "muted", id: "forecast-backtest" }),
        h("div", { id: "forecast-accuracy" })),
      h("section", { class: "card", "aria-labelledby": "corr-heading" },
        h("h2", { id: "corr-heading" }, "Correlation explorer"),
        h("form", { id: "corr-form", class: "grid-form" },
          field("corr-a", "Series A (device:key)", h("select", { name: "a", required: "" })),
          field("corr-b", "Series B (device:key)", h("select", { name: "b", required: "" })),
          field("corr-window", "Window", h("select", { name: "start" }, options([["-1d", "last day"], ["-7d", "last 7 days"], ["-30d", "last 30 days"]], "-7d"))),
          field("corr-lag", "Largest lag (h)", h("input", { name: "max_lag", type: "number", min: 0, max: 168, value: 24 })),
          h("div", { class: "field-actions" }, h("button", { class: "button", type: "submit" }, "Correlate"))),
        h("div", { id: "corr-result", "aria-live": "polite" },
          h("p", { class: "muted" }, "Two device-keys' hourly means, aligned on the hour, at lag 0 and at the lag where they agree best.")))));
}

function trendCell(k) {
  const t = k.trend;
  if (!t) return h("span", { class: "muted" }, "—");
  const arrow = { up: "▲", down: "▼", flat: "■" }[t.direction];
  const pct = t.delta_pct === null ? "" : ` ${t.delta_pct > 0 ? "+" : ""}${formatNumber(t.delta_pct, 1)} %`;
  const mood = t.improving === null ? "flat" : t.improving ? "better" : "worse";
  return h("span", { class: `kpi-trend ${mood}`, title: `previous ${formatNumber(t.previous)} ${k.unit}` },
    h("span", { "aria-hidden": "true" }, arrow), `${pct} (${mood})`);
}

function metCell(k) {
  if (k.error) return h("span", { class: "kpi-met not-met" }, "error");
  if (k.met === null) return h("span", { class: "muted" }, "no data");
  return h("span", { class: `kpi-met ${k.met ? "met" : "not-met"}` }, k.met ? "met" : "not met");
}

function renderKpis(overview) {
  $("#kpi-window").textContent = `${new Date(overview.start).toISOString().slice(0, 16).replace("T", " ")} to `
    + `${new Date(overview.end).toISOString().slice(0, 16).replace("T", " ")} UTC, against the period before.`;
  const box = $("#kpi-domains");
  clear(box);
  if (!overview.domains.length) box.append(h("p", { class: "muted" }, "No domain declares KPIs yet."));
  for (const domain of overview.domains) {
    const holder = h("div", { class: "kpi-domain", dataset: { domain: domain.domain } });
    box.append(holder);
    renderTable(holder, {
      caption: domain.title,
      columns: [
        { label: "Indicator", value: (k) => h("span", {}, k.title, k.iso ? h("span", { class: "muted kpi-iso" }, ` ${k.iso}`) : "") },
        { label: "Value", className: "num", value: (k) => (k.value === null ? "—" : `${formatNumber(k.value)} ${k.unit}`) },
        { label: "Target", className: "num", value: (k) => (k.target === null ? "—" : `${k.better === "higher" ? "≥" : "≤"} ${formatNumber(k.target)} ${k.unit}`) },
        { label: "Met", value: metCell },
        { label: "Trend", value: trendCell },
        { label: "Definition", value: (k) => h("span", { class: "kpi-definition" }, k.error ? `error: ${k.error}` : k.definition) },
      ],
      rows: domain.kpis, rowId: (k) => k.name, empty: "No KPIs.",
    });
  }
  box.dataset.domains = String(overview.domains.length);
}

async function loadKpis() {
  renderKpis(await api.get("/api/analytics/overview", { period: $("#kpi-period").value }));
  markUpdated();
}

function fillKeys() {
  const device = devices.find((d) => d.id === $("#forecast-device").value);
  const select = $("#forecast-key");
  const keys = device ? keysOf(device.type).filter((k) => !["state", "plan_id"].includes(k)) : [];
  clear(select, keys.map((k) => h("option", { value: k }, keyLabel(device.type, k))));
}

function fillSeries() {
  const pairs = devices.flatMap((d) => keysOf(d.type).filter((k) => !["state", "plan_id", "lat", "lon"].includes(k))
    .map((k) => [`${d.id}:${k}`, `${d.name || d.id} · ${keyLabel(d.type, k)}`]));
  clear($("#corr-a"), options(pairs, pairs[0]?.[0]));
  clear($("#corr-b"), options(pairs, pairs[1]?.[0]));
}

async function forecast(event) {
  event?.preventDefault();
  const form = new FormData($("#forecast-form"));
  const query = Object.fromEntries(form.entries());
  const history = Number(query.history_days) || 7;
  const box = $("#forecast-chart");
  const note = $("#forecast-backtest");
  box.dataset.state = "loading";
  let body;
  try {
    // Score on the last third of the history (at most a week): the rest trains the methods.
    body = await api.get("/api/analytics/forecast", { ...query, horizon: "24h",
      backtest_days: Math.max(1, Math.min(7, Math.floor(history / 3))) });
  } catch (err) {
    clear(box, h("p", { class: "notice", id: "forecast-error" }, err.message));
    note.textContent = "";
    box.dataset.state = "error";
    return;
  }
  const level = Math.round(body.level * 100);
  const device = devices.find((d) => d.id === body.device_id);
  lineChart(box, { title: `${device?.name || body.device_id} · ${keyLabel(device?.type, body.key)}, next ${body.horizon_h} h (${methodName(body.method)})`,
    unit: unitOf(device?.type, body.key),
    series: [{ name: "forecast", color: "var(--accent)", points: body.points }],
    band: { lower: body.points.map((p) => p.lower), upper: body.points.map((p) => p.upper), label: `${level} % prediction interval` } });
  const b = body.backtest;
  const score = (s) => (s ? `CV(RMSE) ${formatNumber(s.cv_rmse, 1)} %${s.mase === null ? "" : `, MASE ${formatNumber(s.mase, 2)}`}`
    : "not scored");
  const verdict = b.method === "seasonal_naive" ? "the baseline itself scored best."
    : b.beats_baseline ? "beats the baseline." : "does not beat the baseline.";
  note.textContent = `Backtest on the last ${b.days === 1 ? "day" : `${b.days} days`}: ${methodName(b.method)} ${score(b.scores)}; `
    + `seasonal naive baseline ${score(b.baseline.scores)} — ${verdict}`
    + ` History ${body.history_days} days, ${Math.round(body.coverage * 100)} % of hours with readings.`;
  box.dataset.state = "ready";
  box.dataset.method = body.method;
  await renderAccuracy(body.device_id, body.key);
}

/** How the forecasts the scheduler issued for this key did once their actuals came in. */
async function renderAccuracy(deviceId, key) {
  const body = await api.get("/api/analytics/forecast/accuracy", { device_id: deviceId, key, days: 7 });
  const box = $("#forecast-accuracy");
  const rows = Object.entries(body.methods).map(([method, s]) => ({ method, ...s }));
  if (!rows.length) {
    clear(box, h("p", { class: "muted", id: "forecast-accuracy-none" }, "No issued forecast of this key has been scored "
      + "in the last 7 days: the scheduler forecasts every key each hour and scores each forecast once its hours have passed."));
    return;
  }
  renderTable(box, {
    caption: `Measured accuracy of the forecasts issued in the last ${body.days} days (${body.best ? `best: ${methodName(body.best)}` : "no ranking yet"})`,
    columns: [
      { label: "Method", value: (r) => (r.method === "auto" ? "chosen by backtest" : methodName(r.method)) },
      { label: "Forecasts", className: "num", value: (r) => r.runs },
      { label: "MAE", className: "num", value: (r) => formatNumber(r.mae, 2) },
      { label: "CV(RMSE)", className: "num", value: (r) => (r.cv_rmse_pct === null ? "—" : `${formatNumber(r.cv_rmse_pct, 1)} %`) },
      { label: "MASE", className: "num", value: (r) => (r.mase === null ? "—" : formatNumber(r.mase, 2)) },
      { label: "In interval", className: "num", value: (r) => `${formatNumber(r.coverage * 100, 0)} %` },
    ],
    rows, rowId: (r) => r.method,
  });
}

async function correlate(event) {
  event?.preventDefault();
  const form = new FormData($("#corr-form"));
  const box = $("#corr-result");
  let body;
  try {
    body = await api.get("/api/analytics/correlations", { series: `${form.get("a")},${form.get("b")}`,
      start: form.get("start"), max_lag: form.get("max_lag") });
  } catch (err) {
    clear(box, h("p", { class: "notice" }, err.message));
    return;
  }
  if (!body.lag0 && !body.best) {
    clear(box, h("p", { class: "muted", id: "corr-none" }, "Too few hours where both series have readings to correlate."));
    return;
  }
  const p = (v) => (v === undefined || v === null ? "—" : v < 0.001 ? "< 0.001" : formatNumber(v, 3));
  // No best lag when no lag has enough hours (the search needs 10 and half the most-paired lag's).
  const rows = [{ label: "At lag 0", s: body.lag0 }];
  if (body.best) rows.push({ label: `Best lag, ${body.best.lag_h} h`, s: body.best, bonferroni: body.best.pearson_p_bonferroni });
  rows.splice(0, rows[0].s ? 0 : 1);
  renderTable(box, {
    caption: `${body.series[0]} against ${body.series[1]}: hourly means; ${body.lags_tried} lags tried, a positive lag means B follows A`,
    columns: [
      { label: "", value: (r) => r.label },
      { label: "Hours", className: "num", value: (r) => r.s.n },
      { label: "Pearson r", className: "num", value: (r) => formatNumber(r.s.pearson, 3) },
      { label: "p", className: "num", value: (r) => p(r.bonferroni ?? r.s.pearson_p) + (r.bonferroni === undefined ? "" : " (Bonferroni)") },
      { label: "Spearman ρ", className: "num", value: (r) => formatNumber(r.s.spearman, 3) },
      { label: "p", className: "num", value: (r) => p(r.s.spearman_p) },
    ],
    rows,
  });
  box.dataset.state = "ready";
}

async function render() {
  skeleton($("#page-root"));
  const [list] = await Promise.all([api.get("/api/devices", { limit: 500 }), loadCatalogue(), loadKpis()]);
  devices = list.items.filter((d) => keysOf(d.type).length);
  clear($("#forecast-device"), devices.map((d) => h("option", { value: d.id }, d.name || d.id)));
  $("#forecast-device").addEventListener("change", fillKeys);
  fillKeys();
  fillSeries();
  $("#forecast-form").addEventListener("submit", forecast);
  $("#corr-form").addEventListener("submit", correlate);
}

livePage({ room: null, render, load: loadKpis, refreshMs: 300_000, styles: ["css/analytics.css"] });
