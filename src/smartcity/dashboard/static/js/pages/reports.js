// Reports: the city report of a period as the server renders it (the PDF's own template), its
// CSV and PDF downloads, and — for operators — the subscriptions that send it by e-mail or
// webhook every day or week, with their next run and last delivery.
import { api, can, download, request } from "../api.js";
import { $, clear, h } from "../dom.js";
import { renderTable } from "../components/table.js";
import { applyRoles, markUpdated, startPage, stylesheet, toast } from "../shell.js";

const PERIODS = [["day", "Last day"], ["week", "Last 7 days"], ["month", "Last 30 days"]];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const URL = "/api/analytics/reports";
const SCHEDULES = "/api/analytics/report-schedules";

function field(id, text, control, extra = {}) {
  control.id = id;
  return h("div", { class: "field", ...extra }, h("label", { for: id }, text), control);
}

const options = (pairs, selected) => pairs.map(([value, text]) =>
  h("option", { value, selected: String(value) === String(selected) }, text));

function skeleton(root) {
  clear(root,
    h("section", { class: "card", "aria-labelledby": "report-heading" },
      h("h2", { id: "report-heading" }, "City report"),
      h("form", { id: "report-form", class: "grid-form" },
        field("report-period", "Period", h("select", { name: "period" }, options(PERIODS, "week"))),
        field("report-end", "Ending (UTC, empty: now)", h("input", { name: "end", type: "datetime-local", step: 3600 })),
        h("div", { class: "field-actions" },
          h("button", { class: "button", type: "submit" }, "Show"),
          h("button", { class: "button secondary", type: "button", id: "report-csv" }, "Download CSV"),
          h("button", { class: "button secondary", type: "button", id: "report-pdf" }, "Download PDF"))),
      h("div", { id: "report-body", "aria-live": "polite" })),
    h("section", { class: "card", "aria-labelledby": "schedules-heading", "data-min-role": "operator" },
      h("h2", { id: "schedules-heading" }, "Scheduled delivery"),
      h("div", { id: "schedule-list" }),
      h("h3", {}, "New subscription"),
      h("form", { id: "schedule-form", class: "grid-form" },
        field("schedule-name", "Name", h("input", { name: "name", required: "", maxlength: 128, value: "City report" })),
        field("schedule-cadence", "Every", h("select", { name: "cadence" }, options([["daily", "day"], ["weekly", "week"]], "daily"))),
        field("schedule-weekday", "On", h("select", { name: "weekday" }, options(DAYS.map((d, i) => [i, d]), 0)), { id: "schedule-weekday-field", hidden: true }),
        field("schedule-hour", "At (UTC hour)", h("input", { name: "hour", type: "number", min: 0, max: 23, value: 6, required: "" })),
        field("schedule-channel", "By", h("select", { name: "channel" }, options([["email", "e-mail"], ["webhook", "webhook"]], "email"))),
        field("schedule-target", "To (address or URL)", h("input", { name: "target", required: "", maxlength: 2048 })),
        field("schedule-format", "Attachment", h("select", { name: "format" }, options([["pdf", "PDF"], ["csv", "CSV"]], "pdf"))),
        field("schedule-secret", "Webhook secret (optional)", h("input", { name: "secret", type: "password", maxlength: 256, autocomplete: "off" })),
        h("div", { class: "field-actions" }, h("button", { class: "button", type: "submit" }, "Subscribe"))),
      h("p", { class: "form-error", id: "schedule-error", role: "alert" })));
}

function reportQuery() {
  const form = new FormData($("#report-form"));
  const end = form.get("end");
  return { period: form.get("period"), end: end ? `${end}Z` : undefined };  // the input is UTC
}

async function loadReport(event) {
  event?.preventDefault();
  const query = reportQuery();
  const response = await request("GET", URL, { query: { ...query, format: "html" }, raw: true });
  const box = $("#report-body");
  // The server's Jinja template escapes every value; this is the same HTML the PDF prints.
  box.innerHTML = await response.text();
  box.dataset.period = query.period;
  markUpdated();
}

function whenText(s) {
  const hour = `${String(s.hour).padStart(2, "0")}:00 UTC`;
  return s.cadence === "weekly" ? `${DAYS[s.weekday]}s at ${hour}` : `daily at ${hour}`;
}

async function act(promise, message) {
  try {
    await promise;
    toast(message);
  } catch (err) {
    toast(err.message, "error");
  }
  await loadSchedules();
}

async function loadSchedules() {
  const { items } = await api.get(SCHEDULES);
  renderTable($("#schedule-list"), {
    caption: "Reports sent by the scheduler (e-mails carry the report as an attachment; webhooks get it as signed JSON)",
    columns: [
      { label: "Name", value: (s) => s.name },
      { label: "When", value: whenText },
      { label: "Covers", value: (s) => PERIODS.find(([p]) => p === s.period)[1].toLowerCase() },
      { label: "To", value: (s) => `${s.channel === "email" ? `e-mail (${s.format.toUpperCase()})` : "webhook"}: ${s.target}` },
      { label: "Next run", value: (s) => (s.enabled ? s.next_run.slice(0, 16).replace("T", " ") : "paused") },
      { label: "Last delivery", value: (s) => (s.last_delivery ? `${s.last_delivery.status}${s.last_delivery.last_error ? `: ${s.last_delivery.last_error}` : ""}` : "—") },
      { label: "Actions", value: (s) => h("span", { class: "field-actions" },
        h("button", { class: "button small secondary", type: "button", "aria-label": `Send ${s.name} now`,
          onclick: () => act(api.post(`${SCHEDULES}/${s.id}/send`), `${s.name} queued`) }, "Send now"),
        h("button", { class: "button small danger", type: "button", "aria-label": `Delete ${s.name}`,
          onclick: () => act(api.del(`${SCHEDULES}/${s.id}`), `${s.name} deleted`) }, "Delete")) },
    ],
    rows: items, rowId: (s) => String(s.id), empty: "No subscriptions yet.",
  });
}

async function subscribe(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { name: form.get("name"), cadence: form.get("cadence"), hour: Number(form.get("hour")),
    weekday: Number(form.get("weekday")), channel: form.get("channel"), target: form.get("target").trim(),
    format: form.get("format") };
  if (form.get("secret")) body.secret = form.get("secret");
  $("#schedule-error").textContent = "";
  try {
    await api.post(SCHEDULES, body);
  } catch (err) {
    $("#schedule-error").textContent = err.message;
    return;
  }
  event.target.elements.target.value = "";
  event.target.elements.secret.value = "";
  toast(`${body.name} subscribed`);
  await loadSchedules();
}

async function render() {
  await stylesheet("css/analytics.css");
  skeleton($("#page-root"));
  applyRoles($("#page-root"));
  $("#report-form").addEventListener("submit", (e) => loadReport(e).catch((err) => toast(err.message, "error")));
  const save = (format) => () => {
    const query = reportQuery();
    download(URL, { ...query, format }, `city-report-${query.period}.${format}`).catch((err) => toast(err.message, "error"));
  };
  $("#report-csv").addEventListener("click", save("csv"));
  $("#report-pdf").addEventListener("click", save("pdf"));
  if (can("operator") && $("#schedule-form")) {
    $("#schedule-form").addEventListener("submit", subscribe);
    $("#schedule-cadence").addEventListener("change", (e) => { $("#schedule-weekday-field").hidden = e.target.value !== "weekly"; });
    await loadSchedules();
  }
  await loadReport();
}

startPage(render);
