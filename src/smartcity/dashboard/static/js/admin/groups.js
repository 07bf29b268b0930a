// Admin · device groups: static groups (listed ids) and saved filters.
import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { renderTable } from "../components/table.js";
import { toast } from "../shell.js";
import { field, formValues, section } from "./common.js";

let listBox;

async function loadList() {
  const page = await api.get("/api/device-groups", { limit: 200 });
  renderTable(listBox, {
    caption: "Device groups",
    columns: [
      { label: "Name", value: (g) => g.name },
      { label: "Kind", value: (g) => g.kind },
      { label: "Members or filter", value: (g) => (g.kind === "static" ? "listed devices" : JSON.stringify(g.filter || {})) },
      { label: "Actions", value: (g) => h("button", { type: "button", class: "button small danger", "aria-label": `Delete group ${g.name}`,
        onclick: async () => {
          if (!confirm(`Delete group ${g.name}?`)) return;
          await api.del(`/api/device-groups/${g.id}`);
          toast("Group deleted");
          loadList();
        } }, "Delete") },
    ],
    rows: page.items, empty: "No groups yet.",
  });
}

function createForm() {
  const form = h("form", { class: "grid-form" },
    field("Name", { name: "name", required: true }),
    field("Kind", { name: "kind" }, [{ value: "static", label: "Static (listed devices)" }, { value: "filter", label: "Saved filter" }]),
    field("Device ids (static, comma separated)", { name: "device_ids" }),
    field("Filter: device type", { name: "type" }),
    field("Filter: domain", { name: "domain" }),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button" }, "Create group")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const v = formValues(form);
    const body = { name: v.name, kind: v.kind };
    if (v.kind === "static") body.device_ids = (v.device_ids || "").split(",").map((s) => s.trim()).filter(Boolean);
    else body.filter = Object.fromEntries(["type", "domain"].filter((k) => v[k]).map((k) => [k, v[k]]));
    try {
      await api.post("/api/device-groups", body);
      form.reset();
      toast("Group created");
      await loadList();
    } catch (err) {
      toast(err.message, "error");
    }
  });
  return form;
}

export async function render(root) {
  listBox = h("div");
  clear(root, section("Create a group", createForm()), section("Groups", listBox));
  await loadList();
}
