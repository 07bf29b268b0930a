// Admin · alert rules: list, create, edit, enable/disable and delete.
import { api } from "../api.js";
import { clear, formatNumber, h } from "../dom.js";
import { renderTable } from "../components/table.js";
import { toast } from "../shell.js";
import { catalogueTypes, keysOf, loadCatalogue, unitOf } from "../catalogue.js";
import { field, formValues, section } from "./common.js";

const KINDS = ["threshold", "no_data", "anomaly"];
const SCOPES = ["device_type", "device_id", "domain", "asset_id"];
const OPERATORS = [">", ">=", "<", "<=", "==", "!="];
const SEVERITIES = ["critical", "major", "minor", "warning", "info"];
const NUMBERS = ["value", "clear_value", "for_duration_s", "silent_s"];
let listBox;
let formBox;
let devices = [];  // [{id, name, type}] for the device picker
let assets = [];  // [{id, name, type}] for the asset picker

/** The choices of a scope: types and domains from the catalogue, devices and assets by name. */
function scopeChoices(scopeType) {
  const types = catalogueTypes();
  if (scopeType === "device_type") return Object.keys(types).map((t) => ({ value: t, label: t.replaceAll("_", " ") }));
  if (scopeType === "domain") return [...new Set(Object.values(types).map((t) => t.domain))].map((d) => ({ value: d, label: d }));
  if (scopeType === "device_id") return devices.map((d) => ({ value: d.id, label: d.name ? `${d.name} (${d.id})` : d.id }));
  return assets.map((a) => ({ value: a.id, label: `${a.name || a.id} (${a.type})` }));
}

/** The keys a rule of this scope can watch: those of the types the scope covers. */
function keyChoices(scopeType, scopeValue) {
  const types = catalogueTypes();
  let covered = Object.keys(types);
  if (scopeType === "device_type") covered = [scopeValue];
  else if (scopeType === "domain") covered = covered.filter((t) => types[t].domain === scopeValue);
  else if (scopeType === "device_id") covered = [devices.find((d) => d.id === scopeValue)?.type].filter(Boolean);
  const keys = [...new Set(covered.flatMap((t) => keysOf(t)))].sort();
  return { keys, type: covered.length === 1 ? covered[0] : null };
}

function fillSelect(select, options, keep) {
  clear(select, options.map((o) => h("option", { value: o.value }, o.label)));
  if (options.some((o) => o.value === keep)) select.value = keep;
}

function describe(rule) {
  const scope = Object.entries(rule.scope).map(([k, v]) => `${k}=${v}`).join(", ");
  if (rule.kind === "threshold") return `${rule.key} ${rule.operator} ${formatNumber(rule.value)} · ${scope}`;
  if (rule.kind === "no_data") return `no data for ${rule.silent_s} s · ${scope}`;
  return `${rule.key} anomaly (z ≥ ${rule.z_threshold}) · ${scope}`;
}

function toBody(values) {
  const body = { name: values.name, kind: values.kind, severity: values.severity,
    enabled: values.enabled, scope: { [values.scope_type]: values.scope_value } };
  if (values.key) body.key = values.key;
  if (values.kind === "threshold") body.operator = values.operator;
  for (const name of NUMBERS) if (values[name] !== undefined) body[name] = Number(values[name]);
  if (values.description) body.description = values.description;
  return body;
}

function ruleForm(rule = null) {
  const scopeType = rule ? Object.keys(rule.scope)[0] : "device_type";
  const v = (name) => (rule && rule[name] !== null && rule[name] !== undefined ? rule[name] : undefined);
  const form = h("form", { class: "grid-form", id: "rule-form" },
    field("Name", { name: "name", required: true, value: v("name") }),
    field("Kind", { name: "kind" }, KINDS),
    field("Scope", { name: "scope_type" }, SCOPES),
    field("Scope value", { name: "scope_value", required: true }, []),
    field("Key", { name: "key" }, []),
    field("Operator", { name: "operator" }, OPERATORS),
    field("Threshold", { name: "value", type: "number", step: "any", value: v("value") }),
    field("Clear at", { name: "clear_value", type: "number", step: "any", value: v("clear_value") }),
    field("For (seconds)", { name: "for_duration_s", type: "number", min: 0, value: v("for_duration_s") }),
    field("Silent for (no data, seconds)", { name: "silent_s", type: "number", min: 1, value: v("silent_s") }),
    field("Severity", { name: "severity" }, SEVERITIES),
    h("div", { class: "field check" }, h("label", {}, h("input", { type: "checkbox", name: "enabled", checked: rule ? rule.enabled : true }), " Enabled")),
    h("div", { class: "field-actions" },
      h("button", { type: "submit", class: "button" }, rule ? "Save rule" : "Create rule"),
      rule ? h("button", { type: "button", class: "button secondary", onclick: () => showForm() }, "Cancel") : null));
  form.elements.kind.value = v("kind") || "threshold";
  form.elements.scope_type.value = scopeType;
  // Pickers instead of free text: a key the scope's devices never send would never fire.
  const threshold = form.querySelector(`label[for="${form.elements.value.id}"]`);
  const refreshKeys = (keep) => {
    const { keys, type } = keyChoices(form.elements.scope_type.value, form.elements.scope_value.value);
    fillSelect(form.elements.key, [{ value: "", label: "—" }, ...keys.map((k) => ({ value: k, label: k }))], keep);
    const unit = form.elements.key.value ? unitOf(type, form.elements.key.value) : "";
    threshold.textContent = unit ? `Threshold (${unit})` : "Threshold";
  };
  const refreshScope = (keepValue, keepKey) => {
    fillSelect(form.elements.scope_value, scopeChoices(form.elements.scope_type.value), keepValue);
    refreshKeys(keepKey);
  };
  form.elements.scope_type.addEventListener("change", () => refreshScope(null, form.elements.key.value));
  form.elements.scope_value.addEventListener("change", () => refreshKeys(form.elements.key.value));
  form.elements.key.addEventListener("change", () => refreshKeys(form.elements.key.value));
  refreshScope(rule ? rule.scope[scopeType] : null, v("key"));
  form.elements.operator.value = v("operator") || ">";
  form.elements.severity.value = v("severity") || "major";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = toBody(formValues(form));
      if (rule) await api.patch(`/api/alert-rules/${rule.id}`, body);
      else await api.post("/api/alert-rules", body);
      toast(rule ? "Rule saved" : "Rule created");
      showForm();
      await loadList();
    } catch (err) {
      const fieldName = err.details && err.details.field;
      toast(fieldName ? `${err.message} (${fieldName})` : err.message, "error");
    }
  });
  return form;
}

function showForm(rule = null) {
  clear(formBox, h("h2", { id: "rule-form-heading" }, rule ? `Edit rule ${rule.name}` : "Create a rule"), ruleForm(rule));
  if (rule) formBox.querySelector("input").focus();
}

async function loadList() {
  const page = await api.get("/api/alert-rules", { limit: 500 });
  renderTable(listBox, {
    caption: "Alert rules",
    columns: [
      { label: "Name", value: (r) => r.name },
      { label: "Kind", value: (r) => r.kind },
      { label: "Condition", value: describe },
      { label: "Severity", value: (r) => h("span", { class: `badge sev-${r.severity}` }, r.severity) },
      { label: "Enabled", value: (r) => (r.enabled ? "yes" : "no") },
      { label: "Actions", value: (r) => h("div", { class: "row-actions" },
        h("button", { type: "button", class: "button small secondary", "aria-label": `Edit ${r.name}`, onclick: () => showForm(r) }, "Edit"),
        h("button", { type: "button", class: "button small secondary", "aria-label": `${r.enabled ? "Disable" : "Enable"} ${r.name}`,
          onclick: async () => { await api.patch(`/api/alert-rules/${r.id}`, { enabled: !r.enabled }); loadList(); } }, r.enabled ? "Disable" : "Enable"),
        h("button", { type: "button", class: "button small danger", "aria-label": `Delete ${r.name}`,
          onclick: async () => { if (confirm(`Delete rule ${r.name}?`)) { await api.del(`/api/alert-rules/${r.id}`); loadList(); } } }, "Delete")) },
    ],
    rows: page.items, empty: "No rules yet.",
  });
}

export async function render(root) {
  const [deviceList, assetList] = await Promise.all([api.get("/api/devices", { limit: 1000 }),
    api.get("/api/assets", { limit: 1000 }).catch(() => ({ items: [] })), loadCatalogue()]);
  devices = deviceList.items;
  assets = assetList.items;
  listBox = h("div");
  formBox = h("section", { class: "card", "aria-labelledby": "rule-form-heading" });
  clear(root, formBox, section("Rules", listBox));
  showForm();
  await loadList();
}
