// Custom dashboards: the list of the ones you may open, and one dashboard — a 12-column grid of
// widgets with a dashboard-wide time range, variables, live readings, and (for its owner) an edit
// mode to add, configure, move, resize and remove widgets. A published link opens read-only.
import { api, can, request } from "../api.js";
import { keysOf, loadCatalogue } from "../catalogue.js";
import { $, bootstrap as pageData, clear, h } from "../dom.js";
import { joinRoom, on } from "../socket.js";
import { RENDERERS } from "../components/widgets.js";
import { markUpdated, startPage, toast } from "../shell.js";

const RANGES = [["-1h", "Last hour"], ["-24h", "Last 24 hours"], ["-7d", "Last 7 days"], ["-30d", "Last 30 days"]];
const TYPES = ["timeseries", "value", "gauge", "table", "map", "alarms", "markdown"];
const TYPE_LABELS = { timeseries: "Chart", value: "Value card", gauge: "Gauge", table: "Table", map: "Map",
  alarms: "Alarm list", markdown: "Text" };
const INTERVALS = ["1m", "5m", "15m", "1h", "1d"];
const AGGS = ["avg", "min", "max", "sum", "count"];

function field(id, text, control) {
  return h("div", { class: "field" }, h("label", { for: id }, text), control);
}

function select(id, options, value) {
  return h("select", { id }, options.map(([v, t]) => h("option", { value: v, selected: v === value }, t)));
}

// ---- the list ----------------------------------------------------------------------------

async function renderList(root) {
  const { items } = await api.get("/api/dashboards");
  const home = (await api.get("/api/users/me/home-dashboard")).dashboard_id;
  const title = h("input", { id: "new-title", required: true, maxLength: 128, placeholder: "e.g. Night shift" });
  const file = h("input", { id: "import-file", type: "file", accept: "application/json" });
  clear(root,
    h("div", { class: "section-head" }, h("h1", {}, "Dashboards")),
    h("form", {
      class: "board-bar", id: "new-board",
      onsubmit: async (event) => {
        event.preventDefault();
        const made = await api.post("/api/dashboards", { title: title.value.trim() });
        location.assign(`/dashboards/${made.id}?edit=1`);
      },
    }, field("new-title", "New dashboard", title), h("button", { class: "button", type: "submit" }, "Create")),
    h("div", { class: "board-bar" }, field("import-file", "Import a dashboard (JSON)", file)),
    items.length
      ? h("ul", { class: "board-list" }, items.map((b) => h("li", {},
        h("a", { href: `/dashboards/${b.id}` }, b.title),
        b.id === home ? h("span", { class: "muted" }, " · your home page") : "",
        b.editable ? "" : h("span", { class: "muted" }, " · shared with you, read-only"))))
      : h("p", { class: "muted" }, "No dashboards yet: create one above."));
  file.addEventListener("change", async () => {
    try {
      const document_ = JSON.parse(await file.files[0].text());
      const made = await api.post("/api/dashboards/import", document_);
      location.assign(`/dashboards/${made.id}`);
    } catch (err) {
      toast(err.message || "Not a dashboard export", "error");
    }
  });
}

// ---- one dashboard -----------------------------------------------------------------------

class Board {
  constructor(root, board, { publicToken = null, editing = false } = {}) {
    this.root = root;
    this.board = board;
    this.publicToken = publicToken;
    this.editing = editing && board.editable;
    this.range = board.time_range;
    this.vars = Object.fromEntries(board.variables.map((v) => [v.name, v.default || v.options[0]]));
    this.live = new Map();  // widget id -> renderer
    this.timer = null;
  }

  query() {
    return { start: this.range, ...Object.fromEntries(Object.entries(this.vars).map(([k, v]) => [`var.${k}`, v])) };
  }

  async load() {
    if (this.publicToken) {
      const answer = await request("GET", `/api/public/dashboards/${this.publicToken}`, { query: this.query() });
      this.board = answer.dashboard;
      return answer.data;
    }
    return api.get(`/api/dashboards/${this.board.id}/data`, this.query());
  }

  async render() {
    const data = await this.load();
    const grid = h("div", { class: "board-grid", id: "board-grid" });
    clear(this.root, this.header(), grid);  // in the page first: charts size to their card
    this.fill(grid, data);
    markUpdated();
    this.schedule();
  }

  schedule() {
    clearInterval(this.timer);
    if (this.board.refresh_s) this.timer = setInterval(() => this.render(), this.board.refresh_s * 1000);
  }

  header() {
    const b = this.board;
    const range = select("board-range", RANGES, this.range);
    range.addEventListener("change", () => { this.range = range.value; this.render(); });
    const variables = b.variables.map((v) => {
      const control = select(`var-${v.name}`, v.options.map((o) => [o, o]), this.vars[v.name]);
      control.addEventListener("change", () => { this.vars[v.name] = control.value; this.render(); });
      return field(`var-${v.name}`, v.label || v.name, control);
    });
    const tools = [];
    if (!this.publicToken) {
      tools.push(h("button", { class: "button secondary", type: "button", onclick: () => this.exportJson() }, "Export"));
      tools.push(h("button", { class: "button secondary", type: "button", onclick: () => this.makeHome() }, "Set as home"));
    }
    if (b.editable && !this.publicToken) {
      tools.push(h("button", { class: "button secondary", type: "button", id: "share-board", onclick: () => this.shareDialog() }, "Share"));
      tools.push(this.editing
        ? h("button", { class: "button", type: "button", id: "add-widget", onclick: () => this.widgetDialog() }, "Add widget")
        : "");
      tools.push(h("button", { class: "button", type: "button", id: "edit-board", onclick: () => {
        this.editing = !this.editing;
        history.replaceState(null, "", `${location.pathname}${this.editing ? "?edit=1" : ""}`);
        this.render();
      } }, this.editing ? "Done" : "Edit"));
    }
    return h("div", {},
      h("div", { class: "section-head" }, h("h1", {}, b.title), h("div", { class: "board-bar" }, tools)),
      b.description ? h("p", { class: "muted" }, b.description) : "",
      h("div", { class: "board-bar" }, field("board-range", "Time range", range), variables));
  }

  fill(grid, data) {
    this.live.clear();
    if (!this.board.widgets.length) {
      grid.append(h("p", { class: "muted" }, this.board.editable
        ? "No widgets yet: choose Edit, then Add widget." : "This dashboard has no widgets."));
    }
    for (const widget of this.board.widgets) {
      // Focusable: a long table or several charts scroll inside the card, by keyboard too.
      const body = h("div", { class: "widget-body", tabindex: 0, role: "group",
        "aria-label": `${widget.title || TYPE_LABELS[widget.type]} content` });
      const card = h("section", {
        class: "widget", dataset: { widget: widget.id, type: widget.type },
        style: `grid-column: ${widget.x + 1} / span ${widget.w}; grid-row: ${widget.y + 1} / span ${widget.h}`,
        "aria-label": widget.title || TYPE_LABELS[widget.type],
      }, h("h2", {}, widget.title || TYPE_LABELS[widget.type]), body, this.editing ? this.tools(widget) : "");
      grid.append(card);
      try {
        this.live.set(widget.id, RENDERERS[widget.type](widget, body, data.widgets[widget.id] || {}));
      } catch (err) {
        console.warn(err);
        clear(body, h("p", { class: "notice" }, "This widget could not be drawn."));
      }
    }
    if (!this.publicToken) this.follow();
  }

  /** Join the rooms of every device the widgets show; readings update them in place. */
  follow() {
    const devices = new Set();
    for (const w of this.board.widgets) {
      for (const d of w.devices) devices.add(d.startsWith("$") ? this.vars[d.slice(1)] : d);
    }
    for (const d of devices) if (d) joinRoom(`device:${d}`);
    if (!this.listening) {
      this.listening = true;
      on("telemetry", (batch) => {
        for (const reading of batch) for (const renderer of this.live.values()) renderer.live(reading);
        markUpdated();
      });
    }
  }

  tools(widget) {
    const change = (patch) => this.saveWidgets(this.board.widgets.map((w) => (w.id === widget.id ? { ...w, ...patch } : w)));
    // The accessible name starts with the visible text (WCAG 2.5.3), then says what and which.
    const name = widget.title || TYPE_LABELS[widget.type];
    const b = (text, label, fn) => h("button", { class: "button secondary", type: "button",
      "aria-label": text === label ? `${label}: ${name}` : `${text} ${label.toLowerCase()}: ${name}`, onclick: fn }, text);
    return h("div", { class: "widget-tools" },
      b("←", "Move left", () => change({ x: Math.max(0, widget.x - 1) })),
      b("→", "Move right", () => change({ x: Math.min(12 - widget.w, widget.x + 1) })),
      b("↑", "Move up", () => change({ y: Math.max(0, widget.y - 1) })),
      b("↓", "Move down", () => change({ y: widget.y + 1 })),
      b("W−", "Narrower", () => change({ w: Math.max(1, widget.w - 1) })),
      b("W+", "Wider", () => change({ w: Math.min(12 - widget.x, widget.w + 1) })),
      b("H−", "Shorter", () => change({ h: Math.max(1, widget.h - 1) })),
      b("H+", "Taller", () => change({ h: Math.min(12, widget.h + 1) })),
      b("Configure", "Configure", () => this.widgetDialog(widget)),
      b("Remove", "Remove", () => this.saveWidgets(this.board.widgets.filter((w) => w.id !== widget.id))));
  }

  async saveWidgets(widgets) {
    try {
      this.board = await api.put(`/api/dashboards/${this.board.id}`, { widgets });
      await this.render();
    } catch (err) {
      toast(err.message || "Could not save", "error");
    }
  }

  async widgetDialog(existing = null) {
    await loadCatalogue();  // keysOf() below reads it
    const { items: devices } = await api.get("/api/devices", { limit: 1000 });
    const w = existing || { id: `w${Date.now().toString(36)}`, type: "timeseries", title: "", ...this.freeSlot(4), w: 4, h: 3,
      devices: [], keys: [], interval: "1h", agg: "avg", thresholds: [], min: null, max: null, text: "" };
    const type = select("w-type", TYPES.map((t) => [t, TYPE_LABELS[t]]), w.type);
    const title = h("input", { id: "w-title", value: w.title, maxLength: 128 });
    const device = h("select", { id: "w-device", multiple: true, size: 6 },
      devices.map((d) => h("option", { value: d.id, selected: w.devices.includes(d.id) }, `${d.name} (${d.id})`)));
    const keys = h("select", { id: "w-keys", multiple: true, size: 6 });
    const fillKeys = () => {
      const types = new Set(devices.filter((d) => [...device.selectedOptions].some((o) => o.value === d.id)).map((d) => d.type));
      const names = [...new Set([...types].flatMap((t) => keysOf(t)))];
      clear(keys, names.map((k) => h("option", { value: k, selected: w.keys.includes(k) }, k)));
    };
    device.addEventListener("change", fillKeys);
    fillKeys();
    const interval = select("w-interval", INTERVALS.map((i) => [i, i]), w.interval);
    const agg = select("w-agg", AGGS.map((a) => [a, a]), w.agg);
    const min = h("input", { id: "w-min", type: "number", step: "any", value: w.min ?? "" });
    const max = h("input", { id: "w-max", type: "number", step: "any", value: w.max ?? "" });
    const alert = h("input", { id: "w-threshold", type: "number", step: "any", value: w.thresholds[0]?.value ?? "" });
    const text = h("textarea", { id: "w-text", rows: 4, value: w.text });
    const error = h("p", { class: "notice", role: "alert", hidden: true });
    const dialog = h("dialog", { "aria-labelledby": "w-dialog-title" },
      h("form", { method: "dialog", id: "widget-form" },
        h("h2", { id: "w-dialog-title" }, existing ? "Configure widget" : "Add widget"),
        field("w-type", "Type", type), field("w-title", "Title", title),
        field("w-device", "Devices", device), field("w-keys", "Keys", keys),
        field("w-interval", "Interval", interval), field("w-agg", "Aggregation", agg),
        field("w-min", "Gauge minimum", min), field("w-max", "Gauge maximum", max),
        field("w-threshold", "Alert colour from (value)", alert), field("w-text", "Text (Markdown)", text),
        error,
        h("div", { class: "board-bar" },
          h("button", { class: "button", type: "submit", value: "save" }, "Save widget"),
          h("button", { class: "button secondary", type: "submit", value: "cancel", formNoValidate: true }, "Cancel"))));
    document.body.append(dialog);
    dialog.addEventListener("close", () => dialog.remove());
    dialog.querySelector("form").addEventListener("submit", async (event) => {
      if (event.submitter?.value !== "save") return;
      event.preventDefault();
      const number = (input) => (input.value === "" ? null : Number(input.value));
      const widget = { ...w, type: type.value, title: title.value.trim(),
        devices: [...device.selectedOptions].map((o) => o.value), keys: [...keys.selectedOptions].map((o) => o.value),
        interval: interval.value, agg: agg.value, min: number(min), max: number(max), text: text.value,
        thresholds: alert.value === "" ? [] : [{ value: Number(alert.value), color: "#c62828" }] };
      const widgets = existing ? this.board.widgets.map((x) => (x.id === w.id ? widget : x)) : [...this.board.widgets, widget];
      try {
        this.board = await api.put(`/api/dashboards/${this.board.id}`, { widgets });
        dialog.close();
        await this.render();
      } catch (err) {
        error.hidden = false;
        error.textContent = err.message || "Could not save the widget";
      }
    });
    dialog.showModal();
  }

  /** Beside the last widget when the row has room for `width` columns, else below everything. */
  freeSlot(width) {
    const widgets = this.board.widgets;
    if (!widgets.length) return { x: 0, y: 0 };
    const last = widgets[widgets.length - 1];
    if (last.x + last.w + width <= 12) return { x: last.x + last.w, y: last.y };
    return { x: 0, y: widgets.reduce((row, w) => Math.max(row, w.y + w.h), 0) };
  }

  async shareDialog() {
    const roles = ["viewer", "operator", "admin"].map((role) => h("label", { class: "check" },
      h("input", { type: "checkbox", value: role, checked: this.board.shared_roles.includes(role) }), ` ${role}`));
    const link = h("p", { id: "public-link" });
    const showLink = () => clear(link, this.board.public_link
      ? h("a", { href: `/public/dashboards/${this.board.public_link}` }, `${location.origin}/public/dashboards/${this.board.public_link}`)
      : h("span", { class: "muted" }, "No public link."));
    showLink();
    const dialog = h("dialog", { "aria-labelledby": "share-title" },
      h("h2", { id: "share-title" }, "Share"),
      h("fieldset", {}, h("legend", {}, "Read-only for these roles"), roles),
      h("div", { class: "board-bar" },
        h("button", { class: "button", type: "button", id: "save-share", onclick: async () => {
          const shared = roles.map((r) => r.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
          this.board = await api.put(`/api/dashboards/${this.board.id}`, { shared_roles: shared });
          toast("Sharing saved");
        } }, "Save roles")),
      h("h3", {}, "Public read-only link"), link,
      h("div", { class: "board-bar" },
        h("button", { class: "button secondary", type: "button", id: "publish", onclick: async () => {
          this.board.public_link = (await api.post(`/api/dashboards/${this.board.id}/public-link`)).token;
          showLink();
        } }, "New link"),
        h("button", { class: "button secondary", type: "button", id: "unpublish", onclick: async () => {
          await api.del(`/api/dashboards/${this.board.id}/public-link`);
          this.board.public_link = null;
          showLink();
        } }, "Revoke link"),
        h("button", { class: "button", type: "button", onclick: () => dialog.close() }, "Close")));
    document.body.append(dialog);
    dialog.addEventListener("close", () => dialog.remove());
    dialog.showModal();
  }

  async exportJson() {
    const document_ = await api.get(`/api/dashboards/${this.board.id}/export`);
    const url = URL.createObjectURL(new Blob([JSON.stringify(document_, null, 2)], { type: "application/json" }));
    const a = h("a", { href: url, download: `${this.board.title.replace(/[^\w-]+/g, "-")}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
  }

  async makeHome() {
    await api.put("/api/users/me/home-dashboard", { dashboard_id: this.board.id });
    toast("This dashboard now opens after you sign in");
  }
}

startPage(async ({ bootstrap }) => {
  const root = $("#boards-root");
  if (bootstrap.public_token) {
    await new Board(root, { widgets: [], variables: [], time_range: "-24h" }, { publicToken: bootstrap.public_token }).render();
    return;
  }
  if (!bootstrap.board_id) return renderList(root);
  const board = await api.get(`/api/dashboards/${bootstrap.board_id}`);
  const editing = new URLSearchParams(location.search).has("edit") && can("viewer");
  await new Board(root, board, { editing }).render();
}, { publicPage: Boolean(pageData().public_token) });
