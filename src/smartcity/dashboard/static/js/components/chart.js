// Time-series chart on uPlot: theme-aware colours, resizes with its box, live points appended.
// The y axis is as wide as its widest label; a chart with no points says why instead of
// drawing an empty box; a lone point is drawn as a dot inside the window asked for.
import uPlot from "/static/vendor/uplot/uPlot.esm.js";
import { formatNumber, h } from "../dom.js";

const axisHeight = 32;
const WHOLE_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6];
const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** A flat series (one point, a constant) gets a narrow band around its value, not 0..2v. */
function flatRange(_u, min, max) {
  if (min !== max) return uPlot.rangeNum(min, max, 0.1, true);
  const pad = Math.max(Math.abs(min) * 0.001, 1);
  return [min - pad, max + pad];
}

/** uPlot axis size: tick length + gap + the widest of this cycle's labels, in CSS pixels. */
function axisSize(u, values, axisIdx, cycleNum) {
  const axis = u.axes[axisIdx];
  if (cycleNum > 1 && axis._size) return axis._size;  // settled: labels no longer change
  let width = 0;
  if (values && values.length) {
    u.ctx.font = axis.font[0];
    for (const v of values) width = Math.max(width, u.ctx.measureText(v).width);
  }
  return Math.ceil(axis.ticks.size + axis.gap + width / devicePixelRatio + 4);
}

export class TimeChart {
  constructor(container, { title, name = title, unit = "", height = 180, bars = false, maxPoints = 5000,
    daily = false, decimals = 2 }) {
    this.daily = daily;
    this.decimals = decimals;
    this.window = null;
    this.emptyText = "No readings in this range.";
    this.title = title;
    this.unit = unit;
    this.height = height;
    this.bars = bars;
    this.maxPoints = maxPoints;
    this.xs = [];
    this.ys = [];
    this.box = h("div", { class: "chart", role: "img", "aria-label": title, dataset: { key: name } });
    this.box.timeChart = this;  // for tests that read the axis
    this.empty = h("p", { class: "chart-empty muted", hidden: true });
    this.el = h("figure", { class: "chart-figure" },
      h("figcaption", {}, title, unit ? h("span", { class: "muted" }, ` (${unit})`) : ""), this.box, this.empty);
    container.append(this.el);
    this.plot = null;
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.box);
    document.addEventListener("themechange", () => this.draw());
  }

  options(width) {
    const grid = { stroke: css("--grid"), width: 1 };
    const axis = { stroke: css("--text-muted"), grid, ticks: grid };
    const line = css("--accent");
    // A sparse series shows its points, or a lone reading would be invisible.
    const series = { label: this.title, stroke: line, width: 2, points: { show: this.ys.length <= 3, size: 8, fill: line } };
    if (this.bars) Object.assign(series, { fill: line, paths: uPlot.paths.bars({ size: [0.6, 60] }) });
    // Daily series get one tick per day, labelled with the date.
    const xAxis = this.daily ? { ...axis, splits: () => this.xs,
      values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" })) } : axis;
    const yValues = (_u, splits) => splits.map((v) => formatNumber(v, this.decimals, 0));
    // Whole-number quantities (AQI, counts) get whole-number ticks: 59.5 would print as 60 twice.
    const yAxis = { ...axis, values: yValues, size: axisSize, ...(this.decimals === 0 ? { incrs: WHOLE_STEPS } : {}) };
    return {
      width, height: this.height, legend: { show: false }, cursor: { show: true, drag: { x: false } },
      scales: { x: { time: true, range: this.xRange() }, y: { range: flatRange } },
      axes: [{ ...xAxis, size: axisHeight }, yAxis],
      series: [{}, series],
    };
  }

  /** The x window: the range asked for, the days shown, or an hour around a lone point. */
  xRange() {
    const n = this.xs.length;
    if (this.daily && n) return () => [this.xs[0] - 43200, this.xs[n - 1] + 43200];
    if (this.window) {
      const [start, end] = this.window;
      return () => [Math.min(start, n ? this.xs[0] : start), Math.max(end, n ? this.xs[n - 1] : end)];
    }
    if (n === 1) return () => [this.xs[0] - 1800, this.xs[0] + 1800];
    return undefined;
  }

  /** Show a time window [start, end] in ms whatever the data, and what to say when it is empty. */
  setWindow(startMs, endMs, emptyText) {
    this.window = [startMs / 1000, endMs / 1000];
    if (emptyText) this.emptyText = emptyText;
  }

  /** Replace the data: points [{ts (ms), value}] in time order; non-numbers are skipped. */
  setData(points) {
    this.xs = [];
    this.ys = [];
    for (const p of points) {
      if (typeof p.value === "number") {
        this.xs.push(p.ts / 1000);
        this.ys.push(p.value);
      }
    }
    this.draw();
  }

  /** Append one live point (ignored when older than the last one). */
  append(ts, value) {
    if (typeof value !== "number") return;
    const x = ts / 1000;
    if (this.xs.length && x <= this.xs[this.xs.length - 1]) return;
    this.xs.push(x);
    this.ys.push(value);
    if (this.xs.length > this.maxPoints) {
      this.xs.shift();
      this.ys.shift();
    }
    if (this.plot) this.plot.setData([this.xs, this.ys]);
    else this.draw();
    this.describe();
  }

  describe() {
    const n = this.ys.length;
    const last = n ? formatNumber(this.ys[n - 1], this.decimals, this.decimals) : null;
    this.box.setAttribute("aria-label", n ? `${this.title}: ${n} points, latest ${last}${this.unit ? ` ${this.unit}` : ""}`
      : `${this.title}: ${this.emptyText}`);
    this.box.dataset.points = String(n);
    this.empty.hidden = n > 0;
    this.empty.textContent = n ? "" : this.emptyText;
    this.el.classList.toggle("is-empty", n === 0);
  }

  /** Change what an empty chart says (e.g. "history loading") without new data. */
  setEmptyText(text) {
    this.emptyText = text;
    this.describe();
  }

  draw() {
    if (this.plot) this.plot.destroy();
    const width = Math.max(this.box.clientWidth, 240);
    this.plot = new uPlot(this.options(width), [this.xs, this.ys], this.box);
    this.describe();
  }

  resize() {
    if (!this.plot) return;
    const width = Math.max(this.box.clientWidth, 240);
    if (Math.abs(width - this.plot.width) > 2) this.plot.setSize({ width, height: this.height });
  }

  destroy() {
    this.observer.disconnect();
    if (this.plot) this.plot.destroy();
    this.el.remove();
  }
}
