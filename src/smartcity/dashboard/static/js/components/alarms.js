// Alarm list: loads /api/alerts with filters, follows live `alert` events, ack and clear buttons
// for operators.
import { api, can } from "../api.js";
import { clear, h, label, refreshRelativeTimes, timeElement } from "../dom.js";
import { formatReading, keyLabel, loadCatalogue } from "../catalogue.js";
import { joinRoom, on } from "../socket.js";
import { markUpdated, toast } from "../shell.js";

const STATUS_LABELS = {
  active_unack: "active, unacknowledged", active_ack: "active, acknowledged",
  cleared_unack: "cleared, unacknowledged", cleared_ack: "cleared, acknowledged",
};

function matches(alarm, filters) {
  const status = filters.status || "";
  if (status === "active" && !alarm.active) return false;
  if (status === "cleared" && alarm.active) return false;
  if (status && !["active", "cleared"].includes(status) && alarm.status !== status) return false;
  if (filters.severity && alarm.severity !== filters.severity) return false;
  if (filters.domain && alarm.domain !== filters.domain) return false;
  if (filters.originator && `${alarm.originator_type}:${alarm.originator_id}` !== filters.originator) return false;
  return true;
}

let ruleNames = null;
const devices = new Map();  // id -> {name, type}, shared by every list on the page

/** Names and types of the devices these alarms come from, fetched once each. */
async function lookupDevices(alarms) {
  const missing = [...new Set(alarms.filter((a) => a.originator_type === "device" && !devices.has(a.originator_id))
    .map((a) => a.originator_id))];
  if (!missing.length) return false;
  for (const id of missing) devices.set(id, null);
  const page = await api.get("/api/devices", { ids: missing.join(","), limit: missing.length });
  for (const d of page.items) devices.set(d.id, { name: d.name, type: d.type });
  return true;
}

export class AlarmList {
  constructor(container, { filters = {}, limit = 50, compact = false, onAlarm } = {}) {
    this.container = container;
    this.filters = filters;
    this.limit = limit;
    this.compact = compact;
    this.onAlarm = onAlarm;
    this.alarms = new Map();
    this.list = h("ul", { class: "alarm-list", "aria-live": "polite", "aria-relevant": "additions" });
    clear(container, this.list);
    setInterval(() => refreshRelativeTimes(this.list), 30_000);
    joinRoom("alerts");
    on("alert", (event) => this.apply(event));
    // After a (re)connection, catch up with what happened while no events could arrive.
    on("connect", () => { if (this.loaded) this.load().catch(() => {}); });
  }

  async load(filters = this.filters) {
    this.filters = filters;
    if (!ruleNames) {
      // Alarm types are slugs of rule names ("pm2_5_high"): show the rule's own name instead.
      ruleNames = api.get("/api/alert-rules", { limit: 1000 })
        .then((page) => new Map(page.items.map((r) => [r.id, r.name]))).catch(() => new Map());
    }
    const [names, page] = await Promise.all([ruleNames,
      api.get("/api/alerts", { ...filters, limit: this.limit }), loadCatalogue().catch(() => null)]);
    this.names = names;
    await lookupDevices(page.items).catch(() => false);
    this.loaded = true;
    this.alarms = new Map(page.items.map((a) => [a.id, a]));
    this.render();
    return page.items;
  }

  apply({ action, alarm }) {
    const known = this.alarms.has(alarm.id);
    const mine = matches(alarm, this.filters);
    if (!mine && !known) return;  // another device's alarm: nothing here changed
    if (mine) this.alarms.set(alarm.id, alarm);
    else this.alarms.delete(alarm.id);
    const fresh = action === "created" || !known ? alarm.id : null;
    this.render(fresh);
    lookupDevices([alarm]).then((found) => found && this.render(fresh)).catch(() => {});
    markUpdated();
    if (this.onAlarm) this.onAlarm(action, alarm);
  }

  sorted() {
    return [...this.alarms.values()].sort((a, b) => b.id - a.id).slice(0, this.limit);
  }

  render(freshId = null) {
    const alarms = this.sorted();
    if (!alarms.length) {
      clear(this.list, h("li", { class: "empty" }, "No alarms."));
      return;
    }
    clear(this.list, alarms.map((alarm) => this.item(alarm, alarm.id === freshId)));
  }

  title(alarm) {
    return alarm.details?.rule || (this.names && this.names.get(alarm.rule_id)) || label(alarm.type);
  }

  item(alarm, fresh) {
    const device = alarm.originator_type === "device" ? devices.get(alarm.originator_id) : null;
    const origin = alarm.originator_type === "device"
      ? h("a", { href: `/devices/${encodeURIComponent(alarm.originator_id)}` },
        device?.name ? `${device.name} (${alarm.originator_id})` : alarm.originator_id)
      : `${alarm.originator_type} ${alarm.originator_id}`;
    const actions = h("div", { class: "alarm-actions" });
    if (can("operator") && !this.compact) {
      if (!alarm.acknowledged) {
        actions.append(h("button", {
          type: "button", class: "button small", onclick: () => this.act(alarm, "ack"),
          "aria-label": `Acknowledge alarm ${alarm.id} ${this.title(alarm)}`,
        }, "Acknowledge"));
      }
      if (alarm.active) {
        actions.append(h("button", {
          type: "button", class: "button small secondary", onclick: () => this.act(alarm, "clear"),
          "aria-label": `Clear alarm ${alarm.id} ${this.title(alarm)}`,
        }, "Clear"));
      }
    }
    const key = alarm.details?.key;
    const type = device?.type;
    const value = alarm.value === null || alarm.value === undefined ? null
      : h("span", { class: "alarm-value" }, key ? `${keyLabel(type, key)} ${formatReading(type, key, alarm.value)}`
        : `value ${formatReading(type, "", alarm.value)}`);
    return h("li", { class: `alarm sev-${alarm.severity}${fresh ? " fresh" : ""}`,
      dataset: { alarmId: alarm.id, status: alarm.status } },
    h("span", { class: `badge sev-${alarm.severity}` }, alarm.severity),
    h("div", { class: "alarm-main" },
      h("strong", {}, this.title(alarm)), " · ", origin,
      h("div", { class: "alarm-sub" },
        h("span", { class: "alarm-status" }, STATUS_LABELS[alarm.status] || alarm.status),
        " · ", timeElement(alarm.last_seen, { relative: true }), alarm.count > 1 ? ` · ×${alarm.count}` : "",
        value ? " · " : "", value)),
    actions);
  }

  async act(alarm, action) {
    try {
      const updated = await api.post(`/api/alerts/${alarm.id}/${action}`);
      this.apply({ action: action === "ack" ? "acked" : "cleared", alarm: updated });
      toast(action === "ack" ? "Alarm acknowledged" : "Alarm cleared");
    } catch (err) {
      toast(err.message, "error");
    }
  }
}
