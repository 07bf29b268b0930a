// One command of the catalogue as a small form: typed inputs with their range, unit and default
// from the catalogue's `fields`, and a confirmation naming the device before anything is sent.
import { h, label } from "../dom.js";

const INPUTS = { float: "number", integer: "number", boolean: "checkbox", string: "text", list: "text" };

function parse(field, input) {
  if (field.type === "boolean") return input.checked;
  if (input.value === "") return undefined;
  if (field.type === "float") return Number(input.value);
  if (field.type === "integer") return parseInt(input.value, 10);
  if (field.type === "list") return input.value.split(",").map((v) => Number(v.trim()));
  return input.value;
}

function hint(field) {
  const unit = field.unit ? ` ${field.unit}` : "";
  if (field.min !== undefined && field.max !== undefined) return `${field.min}–${field.max}${unit}`;
  if (field.max_length) return `up to ${field.max_length} characters`;
  return "";
}

function input(spec, field) {
  const id = `cmd-${spec.name}-${field.name}`;
  const type = INPUTS[field.type] || "text";
  const control = h("input", {
    id, name: field.name, type, class: type === "checkbox" ? undefined : "small-input",
    step: field.type === "float" ? "any" : field.type === "integer" ? "1" : undefined,
    min: type === "number" ? field.min : undefined, max: type === "number" ? field.max : undefined,
    maxlength: field.max_length, placeholder: field.default !== undefined ? String(field.default) : undefined,
    required: field.required && type !== "checkbox", "aria-describedby": hint(field) ? `${id}-hint` : undefined,
    title: field.type === "list" ? `comma-separated${hint(field) ? `, each ${hint(field)}` : ""}` : undefined,
  });
  const text = field.unit ? `${label(field.name)} (${field.unit})` : label(field.name);
  const box = type === "checkbox"
    ? h("span", { class: "cmd-param cmd-check" }, h("label", { for: id }, control, " ", text))
    : h("span", { class: "cmd-param" }, h("label", { for: id }, text), control,
      hint(field) ? h("small", { id: `${id}-hint`, class: "muted" }, hint(field)) : null);
  return { field, control, box };
}

function describe(params, fields) {
  const parts = fields.filter((f) => params[f.name] !== undefined)
    .map((f) => `${label(f.name)} ${params[f.name]}${f.unit ? ` ${f.unit}` : ""}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** Ask before sending; resolves true when the operator confirms. */
function confirmSend(text) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm-dialog", "aria-labelledby": "confirm-text" },
      h("p", { id: "confirm-text" }, text),
      h("form", { method: "dialog", class: "dialog-actions" },
        h("button", { type: "submit", value: "cancel", class: "button secondary" }, "Cancel"),
        h("button", { type: "submit", value: "send", class: "button" }, "Send")));
    dialog.addEventListener("close", () => { resolve(dialog.returnValue === "send"); dialog.remove(); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export function commandForm(spec, send, deviceName = "this device") {
  const fields = spec.fields || Object.entries(spec.params).map(([name, type]) => ({ name, type }));
  const inputs = fields.map((field) => input(spec, field));
  const form = h("form", { class: "command-form", dataset: { command: spec.name } },
    inputs.map((i) => i.box),
    h("button", { type: "submit", class: "button" }, label(spec.name)));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const params = {};
    for (const { field, control } of inputs) {
      const value = parse(field, control);
      if (value !== undefined) params[field.name] = value;
    }
    if (await confirmSend(`Send ${label(spec.name)}${describe(params, fields)} to ${deviceName}?`)) send(spec.name, params);
  });
  return form;
}
