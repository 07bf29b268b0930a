// Line charts drawn as SVG (forecasts with their prediction band, hourly series), shared by the
// energy and analytics pages; colours from the theme's CSS variables (css/app.css .line-chart).
import { clear, formatNumber, formatTime, h } from "../dom.js";

const SVG = "http://www.w3.org/2000/svg";

// The forecast module's method names, as an operator reads them.
export const METHODS = { seasonal_naive: "seasonal naive", holt_winters: "Holt-Winters",
  time_of_week: "time-of-week regression", tow_temperature: "time-of-week + temperature regression" };
export const methodName = (m) => METHODS[m] || m.replaceAll("_", " ");

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/**
 * A small line chart: series [{name, color, points: [{ts, value}]}], an optional band
 * {lower: [...], upper: [...], label?} under the first series, an optional horizontal limit line.
 */
export function lineChart(container, { title, unit, series, band, limit }) {
  const W = 600, H = 220, L = 48, B = 24, T = 8, R = 8;
  const all = series.flatMap((s) => s.points);
  if (!all.length) { clear(container, h("p", { class: "muted" }, "No readings in this range.")); return; }
  const xs = all.map((p) => p.ts);
  const values = all.map((p) => p.value).concat(band ? [...band.lower, ...band.upper] : [], limit ? [limit] : []);
  const x0 = Math.min(...xs), x1 = Math.max(...xs) || x0 + 1;
  const y0 = Math.min(0, ...values), y1 = Math.max(...values) * 1.05 || 1;
  const sx = (t) => L + ((t - x0) / Math.max(x1 - x0, 1)) * (W - L - R);
  const sy = (v) => H - B - ((v - y0) / Math.max(y1 - y0, 1e-9)) * (H - B - T);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": (unit ? `${title} (${unit})` : title) });
  root.append(svg("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }),
    svg("line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B }));
  for (const v of [y0, (y0 + y1) / 2, y1]) {
    const label = svg("text", { class: "axis-label", x: L - 4, y: sy(v) + 4, "text-anchor": "end" });
    label.textContent = formatNumber(v, 0);
    root.append(label);
  }
  for (const t of [x0, x1]) {
    const label = svg("text", { class: "axis-label", x: sx(t), y: H - 6, "text-anchor": t === x0 ? "start" : "end" });
    label.textContent = formatTime(t);
    root.append(label);
  }
  if (band) {
    const pts = series[0].points;
    const upper = pts.map((p, i) => `${sx(p.ts)},${sy(band.upper[i])}`);
    const lower = pts.map((p, i) => `${sx(p.ts)},${sy(band.lower[i])}`).reverse();
    root.append(svg("polygon", { class: "band", points: upper.concat(lower).join(" ") }));
  }
  if (limit) root.append(svg("line", { class: "capacity", x1: L, x2: W - R, y1: sy(limit), y2: sy(limit) }));
  for (const s of series) {
    root.append(svg("polyline", { fill: "none", stroke: s.color, "stroke-width": 2, "data-series": s.name,
      points: s.points.map((p) => `${sx(p.ts)},${sy(p.value)}`).join(" ") }));
  }
  const legend = h("ul", { class: "line-legend" }, series.map((s) => {
    const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.background = s.color;
    return h("li", {}, swatch, s.name);
  }), band ? h("li", {}, `shaded: ${band.label || "95 % prediction interval"}`) : "", limit ? h("li", {}, "dashed: capacity") : "");
  clear(container, h("figure", { class: "line-chart" }, h("figcaption", {}, (unit ? `${title} (${unit})` : title)), root, legend));
}
