// The key catalogue (GET /api/catalogue): every number shown with its unit, label and precision.
import { api } from "./api.js";
import { formatNumber, label } from "./dom.js";

let loading = null;
let catalogue = { domains: [], types: {} };  // types: {type: {domain, commands, keys: {name: info}}}

/** Load the catalogue once per page; later calls share the answer. */
export function loadCatalogue() {
  if (!loading) {
    loading = api.get("/api/catalogue").then((c) => {
      const types = Object.fromEntries(c.device_types.map((t) => [t.type,
        { ...t, keys: Object.fromEntries(t.keys.map((k) => [k.name, k])) }]));
      catalogue = { domains: c.domains, types };
      return catalogue;
    });
  }
  return loading;
}

export const deviceTypes = () => Object.keys(catalogue.types);
export const catalogueTypes = () => catalogue.types;
export const keysOf = (type) => Object.keys(catalogue.types[type]?.keys || {});

/** What the catalogue says about a key of a type; for an unknown type, the key's first entry. */
export function keyInfo(type, key) {
  const own = catalogue.types[type]?.keys?.[key];
  if (own) return own;
  for (const t of Object.values(catalogue.types)) if (t.keys[key]) return { ...t.keys[key], guessed: true };
  return { unit: "", label: label(key), decimals: 2, kind: "number" };
}

export const unitOf = (type, key) => keyInfo(type, key).unit || "";
export const keyLabel = (type, key) => keyInfo(type, key).label;

/** "14.2 µg/m³": the value at the key's precision, with its unit. */
export function formatReading(type, key, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value !== "number") return String(value);
  const info = keyInfo(type, key);
  const text = formatNumber(value, info.decimals, info.decimals);
  return info.unit ? `${text} ${info.unit}` : text;
}
