// Renderers of custom-dashboard widgets: each takes the widget, its body element and the data the
// server resolved for it (GET /api/dashboards/<id>/data), and returns an object whose live(point)
// takes a reading {device_id, ts, values} pushed over Socket.IO.
import { TimeChart } from "./chart.js";
import { renderTable, updateRows } from "./table.js";
import { createMap, deviceMarker, fitTo } from "./map.js";
import { clear, formatNumber, formatTime, formatValue, h } from "../dom.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  el.append(...children);
  return el;
}

/** The colour of the highest threshold the value has reached, or null. */
export function thresholdColor(thresholds, value) {
  let colour = null;
  for (const t of [...(thresholds || [])].sort((a, b) => a.value - b.value)) {
    if (typeof value === "number" && value >= t.value) colour = t.color;
  }
  return colour;
}

function timeseries(widget, body, data) {
  const charts = new Map();
  if (!data.series.length) {
    clear(body, h("p", { class: "muted" }, "No device or key to show."));
    return { live() {} };
  }
  clear(body);
  // The card's rows (96 px and 12 px gaps) less its title and each chart's caption and axis.
  const height = Math.max(90, (widget.h * 108 - 60) / data.series.length - 70);
  for (const s of data.series) {
    const chart = new TimeChart(body, { title: `${s.device} · ${s.key}`, unit: s.unit, height });
    chart.setWindow(data.start, data.end, `No readings in this range (${data.agg} per ${data.interval}).`);
    chart.setData(s.points.map(([ts, value]) => ({ ts, value })));
    charts.set(`${s.device_id}/${s.key}`, chart);
  }
  return {
    live(reading) {
      for (const [key, value] of Object.entries(reading.values)) {
        const chart = charts.get(`${reading.device_id}/${key}`);
        if (chart) chart.append(reading.ts, value);
      }
    },
  };
}

function valueCard(widget, body, data) {
  const number = h("span", { class: "number" });
  const card = h("div", { class: "widget-value" }, number, h("span", { class: "unit" }, data.unit || ""));
  const when = h("p", { class: "muted" });
  clear(body, card, when);
  const show = (value, ts) => {
    number.textContent = formatValue(value);
    when.textContent = ts ? `${data.device} · ${formatTime(ts)}` : `${data.device || "—"} · no reading yet`;
    const colour = thresholdColor(widget.thresholds, value);
    body.closest(".widget").style.borderLeft = colour ? `6px solid ${colour}` : "";
  };
  show(data.value, data.ts);
  return { live: (r) => { if (r.device_id === data.device_id && data.key in r.values) show(r.values[data.key], r.ts); } };
}

function gauge(widget, body, data) {
  const [min, max] = [widget.min, widget.max];
  const arc = (fraction) => {
    const angle = Math.PI * (1 - Math.min(1, Math.max(0, fraction)));
    return `M 10 60 A 50 50 0 0 1 ${60 + 50 * Math.cos(angle)} ${60 - 50 * Math.sin(angle)}`;
  };
  const level = svg("path", { class: "level", fill: "none", "stroke-width": "12" });
  const label = svg("text", { x: "60", y: "56", "text-anchor": "middle" });
  const picture = svg("svg", { viewBox: "0 0 120 70", class: "gauge", role: "img" },
    svg("path", { class: "track", d: arc(1), fill: "none", "stroke-width": "12" }), level, label);
  clear(body, picture, h("p", { class: "muted" }, `${formatNumber(min)} – ${formatNumber(max)} ${data.unit || ""}`));
  const show = (value) => {
    const fraction = typeof value === "number" ? (value - min) / (max - min) : 0;
    level.setAttribute("d", arc(fraction));
    level.style.stroke = thresholdColor(widget.thresholds, value) || "";
    label.textContent = `${formatValue(value)} ${data.unit || ""}`;
    picture.setAttribute("aria-label", `${data.key} of ${data.device || "—"}: ${formatValue(value)} ${data.unit || ""}`);
  };
  show(data.value);
  return { live: (r) => { if (r.device_id === data.device_id && data.key in r.values) show(r.values[data.key]); } };
}

function table(widget, body, data) {
  const rows = data.rows.map((row) => ({ ...row, values: { ...row.values } }));
  const columns = [{ label: "Device", value: (row) => h("a", { href: `/devices/${encodeURIComponent(row.device_id)}` }, row.device) },
    ...data.keys.map((key) => ({
      label: data.units[key] ? `${key} (${data.units[key]})` : key,
      value: (row) => formatValue(row.values[key]?.value),
    }))];
  const el = renderTable(body, { columns, rows, empty: "No devices." });
  return {
    live(reading) {
      const row = rows.find((r) => r.device_id === reading.device_id);
      if (!row) return;
      for (const key of data.keys) if (key in reading.values) row.values[key] = { ts: reading.ts, value: reading.values[key] };
      updateRows(el, rows);
    },
  };
}

function map(widget, body, data) {
  const box = h("div", { class: "widget-map", role: "region", "aria-label": widget.title || "Map" });
  clear(body, box);
  const leaflet = createMap(box, {});
  const markers = data.devices.map((d) => deviceMarker(d.lat, d.lon, {
    color: thresholdColor(widget.thresholds, d.value) || getComputedStyle(document.documentElement).getPropertyValue("--accent").trim(),
  }).bindTooltip(`${d.device}: ${formatValue(d.value)} ${data.unit || ""}`).addTo(leaflet));
  if (markers.length) fitTo(leaflet, markers);
  return { live() {} };
}

function alarms(widget, body, data) {
  if (!data.items.length) {
    clear(body, h("p", { class: "muted" }, "No active alarms."));
    return { live() {} };
  }
  clear(body, h("ul", { class: "alarm-rows" }, data.items.map((a) => h("li", {},
    h("strong", {}, a.severity), ` ${a.type} · ${a.originator_id} · value ${formatValue(a.value)}`))));
  return { live() {} };
}

/** A small, safe Markdown subset: headings, lists, paragraphs, **bold**; never raw HTML. */
function markdown(widget, body) {
  const blocks = [];
  let list = null;
  const inline = (text) => text.split(/(\*\*[^*]+\*\*)/).map((part) =>
    (part.startsWith("**") && part.endsWith("**") ? h("strong", {}, part.slice(2, -2)) : part));
  for (const line of widget.text.split("\n")) {
    const heading = line.match(/^(#{1,3})\s+(.*)$/);
    const item = line.match(/^[-*]\s+(.*)$/);
    if (item) {
      if (!list) blocks.push(list = h("ul"));
      list.append(h("li", {}, inline(item[1])));
      continue;
    }
    list = null;
    if (heading) blocks.push(h(`h${heading[1].length + 2}`, {}, inline(heading[2])));
    else if (line.trim()) blocks.push(h("p", {}, inline(line)));
  }
  clear(body, blocks);
  return { live() {} };
}

export const RENDERERS = { timeseries, value: valueCard, gauge, table, map, alarms, markdown };
