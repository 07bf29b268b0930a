// One command of the catalogue as a button, with inputs for its parameters.
import { h, label } from "../dom.js";

const INPUTS = { float: "number", integer: "number", boolean: "checkbox", string: "text" };

function parse(type, input) {
  if (type === "boolean") return input.checked;
  if (type === "float") return input.value === "" ? undefined : Number(input.value);
  if (type === "integer") return input.value === "" ? undefined : parseInt(input.value, 10);
  if (type === "list") return input.value === "" ? undefined : input.value.split(",").map((v) => Number(v.trim()));
  return input.value === "" ? undefined : input.value;
}

export function commandForm(spec, send) {
  const inputs = Object.entries(spec.params).map(([name, type]) => {
    const id = `cmd-${spec.name}-${name}`;
    const input = h("input", { id, name, type: INPUTS[type] || "text", step: type === "float" ? "any" : undefined, class: "small-input" });
    return { name, type, field: h("span", { class: "cmd-param" }, h("label", { for: id }, label(name)), input), input };
  });
  const form = h("form", { class: "command-form", dataset: { command: spec.name } },
    inputs.map((i) => i.field),
    h("button", { type: "submit", class: "button" }, label(spec.name)));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = {};
    for (const { name, type, input } of inputs) {
      const value = parse(type, input);
      if (value !== undefined) params[name] = value;
    }
    send(spec.name, params);
  });
  return form;
}
