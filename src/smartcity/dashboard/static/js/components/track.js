// A vehicle's track on a small map: its positions over the last hour as a line, the latest as a
// dot that follows live readings.
import { api } from "../api.js";
import { createMap, L } from "./map.js";

export class Track {
  constructor(el, { tileUrl, attribution } = {}) {
    this.el = el;
    this.map = createMap(el, { tileUrl, attribution });
    this.line = L.polyline([], { color: "#0b5cad", weight: 3 }).addTo(this.map);
    this.dot = null;
  }

  /** Load lat/lon history since `start` and draw it; returns how many positions were found. */
  async load(base, start = "-1h") {
    const points = new Map();  // ts -> {lat, lon}
    let cursor = null;
    do {
      const page = await api.get(`${base}/telemetry`, { keys: "lat,lon", start, limit: 1000, cursor });
      for (const item of page.items) {
        const p = points.get(item.ts) || {};
        p[item.key] = item.value;
        points.set(item.ts, p);
      }
      cursor = page.next_cursor;
    } while (cursor && points.size < 20_000);
    const path = [...points.entries()].sort(([a], [b]) => a - b)
      .filter(([, p]) => typeof p.lat === "number" && typeof p.lon === "number").map(([, p]) => [p.lat, p.lon]);
    this.line.setLatLngs(path);
    if (path.length) this.move(...path[path.length - 1], false);
    this.fit();
    this.el.dataset.positions = String(path.length);
    return path.length;
  }

  move(lat, lon, extend = true) {
    if (extend) this.line.addLatLng([lat, lon]);
    if (!this.dot) this.dot = L.circleMarker([lat, lon], { radius: 7, color: "#ffffff", weight: 2, fillColor: "#0b5cad", fillOpacity: 1 }).addTo(this.map);
    else this.dot.setLatLng([lat, lon]);
    if (extend) this.el.dataset.positions = String(this.line.getLatLngs().length);
  }

  fit() {
    const bounds = this.line.getBounds();
    if (bounds.isValid()) this.map.fitBounds(bounds.pad(0.3), { maxZoom: 16 });
  }
}
