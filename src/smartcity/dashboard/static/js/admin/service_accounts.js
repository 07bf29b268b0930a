// Admin · service accounts: create (token shown once) and revoke.
import { api } from "../api.js";
import { clear, formatTime, h } from "../dom.js";
import { renderTable } from "../components/table.js";
import { toast } from "../shell.js";
import { field, formValues, section, showSecret } from "./common.js";

let listBox;

async function loadList() {
  const page = await api.get("/api/service-accounts", { limit: 200 });
  renderTable(listBox, {
    caption: "Service accounts",
    columns: [
      { label: "Name", value: (a) => a.name },
      { label: "Role", value: (a) => a.role },
      { label: "Token prefix", value: (a) => h("code", {}, a.key_prefix || a.token_prefix || "—") },
      { label: "Last used", value: (a) => (a.last_used_at ? formatTime(a.last_used_at) : "never") },
      { label: "State", value: (a) => (a.revoked_at ? "revoked" : "active") },
      { label: "Actions", value: (a) => (a.revoked_at ? "—" : h("button", {
        type: "button", class: "button small danger", "aria-label": `Revoke ${a.name}`,
        onclick: async () => {
          if (!confirm(`Revoke ${a.name}? Integrations using it stop at once.`)) return;
          await api.del(`/api/service-accounts/${a.id}`);
          toast(`${a.name} revoked`);
          loadList();
        },
      }, "Revoke")) },
    ],
    rows: page.items, empty: "No service accounts yet.",
  });
}

function createForm() {
  const form = h("form", { class: "grid-form" },
    field("Name", { name: "name", required: true, autocomplete: "off" }),
    field("Role", { name: "role" }, ["viewer", "operator", "admin"]),
    field("Description", { name: "description" }),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button" }, "Create service account")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const account = await api.post("/api/service-accounts", formValues(form));
      form.reset();
      await loadList();
      await showSecret(`Token for ${account.name}`, account.token);
    } catch (err) {
      toast(err.message, "error");
    }
  });
  return form;
}

export async function render(root) {
  listBox = h("div");
  clear(root, section("Create a service account", createForm()), section("Service accounts", listBox));
  await loadList();
}
