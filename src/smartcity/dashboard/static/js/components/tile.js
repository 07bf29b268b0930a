// KPI tile: a title, a big value with its unit, a detail line and a status colour.
import { clear, formatNumber, h } from "../dom.js";

export function createTile({ name, title, href }) {
  const value = h("span", { class: "tile-number" }, "—");
  const unit = h("span", { class: "tile-unit" });
  const detail = h("div", { class: "tile-detail" });
  const heading = h("h3", { class: "tile-title" }, href ? h("a", { href }, title) : title);
  const el = h("article", { class: "tile", dataset: { tile: name }, "aria-label": title },
    heading, h("p", { class: "tile-value" }, value, " ", unit), detail);
  return {
    el,
    update({ value: v, unit: u, detail: d, status } = {}) {
      clear(value, typeof v === "number" ? formatNumber(v) : (v ?? "—"));
      clear(unit, u || "");
      if (d instanceof Node) clear(detail, d);
      else clear(detail, d || "");
      el.dataset.status = status || "ok";
    },
  };
}
