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

export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value !== "number") return String(value);
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

export function timeElement(ms) {
  const date = new Date(ms);
  return h("time", { datetime: date.toISOString() }, formatTime(ms));
}

export function label(text) {
  return String(text).replaceAll("_", " ");
}
