// Leaflet map: an optional raster tile layer, GeoJSON overlays and circle markers for devices.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";

const STYLES = {
  districts: { color: "#5b6b7f", weight: 1.5, fillOpacity: 0.06 },
  roads: { color: "#8a6d3b", weight: 3, opacity: 0.7 },
  junctions: { color: "#8a6d3b", radius: 3 },
  feeders: { color: "#b35c00", weight: 2, dashArray: "6 4" },
  dmas: { color: "#1f6fb2", weight: 1.5, fillOpacity: 0.05, dashArray: "3 3" },
  lines: { color: "#6a3fa0", weight: 3, opacity: 0.8 },
  stops: { color: "#6a3fa0", radius: 3 },
  // Emergency stations are places, not alarms: slate, never the alarm red.
  stations: { color: "#37474f", fillColor: "#90a4ae", radius: 5 },
  bins: { color: "#7a6a4f", radius: 3 },
};

/** The colour a layer is drawn in (the legend shows the point layers with it). */
export const layerColour = (name) => (STYLES[name] || {}).fillColor || (STYLES[name] || {}).color;

export const LAYER_TITLES = {
  districts: "Districts", roads: "Roads", junctions: "Junctions", feeders: "Grid feeders",
  dmas: "Water DMAs", lines: "Bus lines", stops: "Bus stops", stations: "Stations", bins: "Bin sites",
};

export function createMap(el, { tileUrl, attribution } = {}) {
  const map = L.map(el, { zoomControl: true, attributionControl: true, preferCanvas: false });
  if (tileUrl) L.tileLayer(tileUrl, { attribution, maxZoom: 19 }).addTo(map);
  map.attributionControl.setPrefix("Leaflet");
  map.setView([0, 0], 2);
  return map;
}

export function geoJsonLayer(name, collection) {
  const style = STYLES[name] || { color: "#5b6b7f", weight: 2 };
  return L.geoJSON(collection, {
    style: () => style,
    pointToLayer: (_feature, latlng) => L.circleMarker(latlng, { ...style, weight: 1, fillOpacity: 0.7 }),
    onEachFeature: (feature, layer) => {
      const props = feature.properties || {};
      layer.bindTooltip(String(props.name || feature.id || name));
    },
  });
}

export function deviceMarker(lat, lon, style) {
  return L.circleMarker([lat, lon], { radius: 7, weight: 2, fillOpacity: 0.85, ...style });
}

export function layerControl(map, overlays) {
  return L.control.layers(null, overlays, { collapsed: false }).addTo(map);
}

export function fitTo(map, layers) {
  const bounds = L.latLngBounds([]);
  for (const layer of layers) {
    if (layer.getBounds) {
      const b = layer.getBounds();
      if (b.isValid()) bounds.extend(b);
    } else if (layer.getLatLng) bounds.extend(layer.getLatLng());
  }
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { maxZoom: 16 });
  return bounds.isValid();
}

export { L };
