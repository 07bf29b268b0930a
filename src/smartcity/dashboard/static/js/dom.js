// Small DOM and formatting helpers shared by every page.

/** h("button", {class: "button", onclick: fn}, "Save") — attributes, properties, listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && !key.includes("-") && key !== "list" && key !== "form") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function bootstrap() {
  const el = document.getElementById("bootstrap");
  return el ? JSON.parse(el.textContent) : {};
}

/** Grouped digits; with `min` set, a fixed precision (1.80 next to 1.49), else trimmed. */
export function formatNumber(value, digits = 2, min = undefined) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value !== "number") return String(value);
  if (min !== undefined) return value.toLocaleString(undefined, { minimumFractionDigits: min, maximumFractionDigits: digits });
  const abs = Math.abs(value);
  const max = abs >= 1000 ? 0 : abs >= 10 ? 1 : digits;
  return value.toLocaleString(undefined, { maximumFractionDigits: max });
}

export function formatValue(value) {
  if (typeof value === "boolean") return value ? "on" : "off";
  return typeof value === "number" ? formatNumber(value) : value ?? "—";
}

export function formatTime(ms) {
  if (ms === null || ms === undefined) return "—";
  const date = typeof ms === "number" ? new Date(ms) : new Date(ms);
  return date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/** "just now", "5 min ago", "3 h ago", "2 d ago"; older than a week: the date and time. */
export function relativeTime(ms, now = Date.now()) {
  const s = Math.round((now - new Date(ms).getTime()) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 7 * 86400) return `${Math.round(s / 86400)} d ago`;
  return formatTime(ms);
}

/** A <time>; relative ones show "5 min ago" with the absolute time on hover. */
export function timeElement(ms, { relative = false } = {}) {
  const date = new Date(ms);
  return relative
    ? h("time", { datetime: date.toISOString(), title: formatTime(ms), dataset: { relative: "" } }, relativeTime(ms))
    : h("time", { datetime: date.toISOString() }, formatTime(ms));
}

/** Bring every relative <time> under root up to date (pages call it on a timer). */
export function refreshRelativeTimes(root = document) {
  for (const el of root.querySelectorAll("time[data-relative]")) el.textContent = relativeTime(el.dateTime);
}

export function label(text) {
  return String(text).replaceAll("_", " ");
}
