// Admin · users and roles: create, change role, deactivate or reactivate.
import { api, currentUser } from "../api.js";
import { clear, h } from "../dom.js";
import { renderTable } from "../components/table.js";
import { toast } from "../shell.js";
import { field, formValues, section } from "./common.js";

const ROLES = ["viewer", "operator", "admin"];
let listBox;

async function change(user, body, message) {
  try {
    await api.patch(`/api/users/${user.id}`, body);
    toast(message);
  } catch (err) {
    toast(err.message, "error");
  }
  await loadList();
}

function roleSelect(user) {
  const id = `role-${user.id}`;
  const select = h("select", { id, disabled: user.id === currentUser().id },
    ROLES.map((r) => h("option", { value: r, selected: r === user.role }, r)));
  select.addEventListener("change", () => change(user, { role: select.value }, `${user.username} is now ${select.value}`));
  return h("span", {}, h("label", { for: id, class: "visually-hidden" }, `Role of ${user.username}`), select);
}

async function loadList() {
  const page = await api.get("/api/users", { limit: 200 });
  renderTable(listBox, {
    caption: "Users",
    columns: [
      { label: "Username", value: (u) => u.username },
      { label: "E-mail", value: (u) => u.email || "—" },
      { label: "Role", value: roleSelect },
      { label: "Active", value: (u) => (u.is_active ? "yes" : "no") },
      { label: "Actions", value: (u) => (u.id === currentUser().id ? "—" : h("button", {
        type: "button", class: "button small secondary", "aria-label": `${u.is_active ? "Deactivate" : "Reactivate"} ${u.username}`,
        onclick: () => change(u, { is_active: !u.is_active }, `${u.username} ${u.is_active ? "deactivated" : "reactivated"}`),
      }, u.is_active ? "Deactivate" : "Reactivate")) },
    ],
    rows: page.items,
  });
}

function createForm() {
  const form = h("form", { class: "grid-form" },
    field("Username", { name: "username", required: true, autocomplete: "off" }),
    field("E-mail", { name: "email", type: "email", autocomplete: "off" }),
    field("Password", { name: "password", type: "password", required: true, minlength: 8, autocomplete: "new-password" }),
    field("Role", { name: "role" }, ROLES),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button" }, "Create user")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.post("/api/users", formValues(form));
      form.reset();
      toast("User created");
      await loadList();
    } catch (err) {
      toast(err.message, "error");
    }
  });
  return form;
}

export async function render(root) {
  listBox = h("div");
  clear(root, section("Create a user", createForm()), section("Users", listBox));
  await loadList();
}
