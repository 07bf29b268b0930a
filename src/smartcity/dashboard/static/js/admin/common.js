// Helpers shared by the admin sections: form fields, one-time secret dialog, confirm.
import { $, h } from "../dom.js";

let fieldSeq = 0;

/** A labelled input or select: field("Name", {name: "name", required: true}) or with options. */
export function field(labelText, attrs = {}, options = null) {
  const id = attrs.id || `f${++fieldSeq}-${attrs.name}`;
  const control = options
    ? h("select", { ...attrs, id }, options.map((o) => (typeof o === "string"
      ? h("option", { value: o }, o) : h("option", { value: o.value }, o.label))))
    : h(attrs.type === "textarea" ? "textarea" : "input", { ...attrs, id });
  return h("div", { class: "field" }, h("label", { for: id }, labelText), control);
}

export function formValues(form) {
  const values = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") values[el.name] = el.checked;
    else if (el.value !== "") values[el.name] = el.value;
  }
  return values;
}

/** Show a token or key once, with a copy button; resolves when the dialog closes. */
export function showSecret(title, value, help = "It is shown only this once: store it now.") {
  const dialog = $("#secret-dialog");
  $("#secret-title").textContent = title;
  $("#secret-help").textContent = help;
  $("#secret-value").value = value;
  $("#secret-copied").textContent = "";
  const copy = $("#secret-copy");
  copy.onclick = async () => {
    try {
      await navigator.clipboard.writeText(value);
      $("#secret-copied").textContent = "Copied to the clipboard.";
    } catch {
      $("#secret-value").select();
      $("#secret-copied").textContent = "Select the text and copy it (Ctrl+C).";
    }
  };
  dialog.showModal();
  $("#secret-value").select();
  return new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
}

export function section(title, ...children) {
  const id = `h-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}
