// Admin · notification log: every delivery (rule webhooks and e-mails, people's e-mail, SMS,
// push and chat, report subscriptions) with its attempts and last error; retry a failed one.
import { api } from "../api.js";
import { $, clear, formatTime, h } from "../dom.js";
import { renderTable, rowFor, updateRows } from "../components/table.js";
import { toast } from "../shell.js";
import { field, formValues, section } from "./common.js";

const PAGE = 50;
const CHANNELS = ["webhook", "email", "sms", "push", "chat"];
const STATUSES = ["pending", "delivered", "failed"];
let table;
let listBox;
let cursor = null;
let shown = 0;

const when = (iso) => (iso ? formatTime(Date.parse(iso)) : "—");

/** Who or what asked for it: a rule, a person, or another event (a report). */
function origin(d) {
  if (d.user_id) return `user #${d.user_id}`;
  if (d.rule_id) return `rule #${d.rule_id}`;
  return (d.event || "").split(".")[0] || "—";
}

function shorten(target) {
  return target.length > 36 ? `${target.slice(0, 35)}…` : target;
}

function retryButton(d) {
  if (d.status !== "failed") return "—";
  return h("button", { type: "button", class: "button small secondary", "aria-label": `Retry delivery ${d.id}`,
    onclick: async () => {
      try {
        await api.post(`/api/notifications/log/${d.id}/retry`);
        toast(`Delivery ${d.id} queued again`);
        await loadList();
      } catch (err) {
        toast(err.message, "error");
      }
    } }, "Retry");
}

function filterForm() {
  const form = h("form", { class: "grid-form", id: "log-filters", role: "search" },
    field("Status", { name: "status" }, [{ value: "", label: "Any status" }, ...STATUSES]),
    field("Channel", { name: "channel" }, [{ value: "", label: "Any channel" }, ...CHANNELS]),
    field("Alarm id", { name: "alarm_id", inputmode: "numeric", pattern: "[0-9]*", class: "small-input" }),
    field("User id", { name: "user_id", inputmode: "numeric", pattern: "[0-9]*", class: "small-input" }),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button secondary" }, "Filter")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    loadList().catch((err) => toast(err.message, "error"));
  });
  return form;
}

async function loadList(more = false) {
  const page = await api.get("/api/notifications/log", { ...formValues($("#log-filters")), limit: PAGE, cursor: more ? cursor : null });
  cursor = page.next_cursor;
  if (more) for (const d of page.items) table.tBodies[0].append(rowFor(table, d));
  else updateRows(table, page.items);
  shown = (more ? shown : 0) + page.items.length;
  $("#log-count").textContent = `${shown} deliver${shown === 1 ? "y" : "ies"} shown${cursor ? "; more below" : ""}.`;
  $("#log-more").hidden = !cursor;
}

export async function render(root) {
  listBox = h("div");
  const more = h("button", { type: "button", class: "button secondary", id: "log-more", hidden: true,
    onclick: () => loadList(true).catch((err) => toast(err.message, "error")) }, "Load more");
  clear(root, section("Notification deliveries", filterForm(),
    h("p", { class: "muted", id: "log-count", "aria-live": "polite" }), listBox, more));
  table = renderTable(listBox, {
    caption: "Notification deliveries, newest first",
    columns: [
      { label: "Id", value: (d) => d.id },
      { label: "Created", value: (d) => when(d.created_at) },
      { label: "Event", value: (d) => h("div", {},
        d.alarm_id ? h("a", { href: `/alerts?alarm=${d.alarm_id}` }, d.event) : d.event || d.action,
        h("div", { class: "muted small" }, origin(d))) },
      { label: "Channel and target", value: (d) => h("div", {}, d.channel,
        h("div", { class: "mono small", title: d.target }, shorten(d.target))) },
      { label: "Status", value: (d) => h("div", {}, d.status,
        h("div", { class: "muted small" }, `${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`)) },
      { label: "Last error", value: (d) => (d.last_error ? h("span", { title: d.last_error }, shorten(d.last_error)) : "—") },
      { label: "Actions", value: retryButton },
    ],
    rows: [], rowId: (d) => d.id, empty: "No deliveries match.",
  });
  await loadList();
}
