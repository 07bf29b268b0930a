// Time-series chart on uPlot: theme-aware colours, resizes with its box, live points appended.
import uPlot from "/static/vendor/uplot/uPlot.esm.js";
import { h } from "../dom.js";

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export class TimeChart {
  constructor(container, { title, name = title, unit = "", height = 180, bars = false, maxPoints = 5000, daily = false }) {
    this.daily = daily;
    this.title = title;
    this.unit = unit;
    this.height = height;
    this.bars = bars;
    this.maxPoints = maxPoints;
    this.xs = [];
    this.ys = [];
    this.box = h("div", { class: "chart", role: "img", "aria-label": title, dataset: { key: name } });
    this.el = h("figure", { class: "chart-figure" },
      h("figcaption", {}, title, unit ? h("span", { class: "muted" }, ` (${unit})`) : ""), this.box);
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
    const series = { label: this.title, stroke: line, width: 2, points: { show: false } };
    if (this.bars) Object.assign(series, { fill: line, paths: uPlot.paths.bars({ size: [0.6, 60] }) });
    // Daily series get one tick per day, labelled with the date.
    const xAxis = this.daily ? { ...axis, splits: () => this.xs,
      values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" })) } : axis;
    return {
      width, height: this.height, legend: { show: false }, cursor: { show: true, drag: { x: false } },
      scales: { x: { time: true, range: this.daily && this.xs.length ? [this.xs[0] - 43200, this.xs[this.xs.length - 1] + 43200] : undefined } },
      axes: [xAxis, { ...axis, size: 56 }],
      series: [{}, series],
    };
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
    const last = n ? this.ys[n - 1] : null;
    this.box.setAttribute("aria-label", `${this.title}: ${n} points${n ? `, latest ${last}` : ""}`);
    this.box.dataset.points = String(n);
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
