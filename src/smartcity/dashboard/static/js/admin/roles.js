// Admin · roles: custom roles as sets of resource:action permissions, and their assignment to
// users, optionally scoped to domains or device groups (docs/architecture.md, Security).
import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { renderTable } from "../components/table.js";
import { toast } from "../shell.js";
import { field, formValues, section } from "./common.js";

let listBox;
let assignBox;
let catalogue;
let roles = [];

function permissionMatrix() {
  const resources = ["*", ...new Set(catalogue.items.map((p) => p.resource))];
  const offered = new Set(catalogue.items.map((p) => p.permission));
  const cell = (resource, action) => {
    const permission = `${resource}:${action}`;
    if (resource !== "*" && !offered.has(permission)) return h("td", { class: "muted" }, "—");
    const label = resource === "*" ? `every resource: ${action}` : `${resource}: ${action}`;
    return h("td", {}, h("input", { type: "checkbox", name: "permission", value: permission, "aria-label": label }));
  };
  return h("div", { class: "table-wrap permission-matrix" }, h("table", { class: "table" },
    h("caption", {}, "Permissions: read is the viewer's level, write the operator's, manage the admin's"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Resource"),
      catalogue.actions.map((a) => h("th", { scope: "col" }, a)))),
    h("tbody", {}, resources.map((r) => h("tr", {},
      h("th", { scope: "row" }, r === "*" ? "every resource (*)" : r),
      catalogue.actions.map((a) => cell(r, a)))))));
}

function createForm() {
  const form = h("form", { id: "role-form" },
    h("div", { class: "grid-form" },
      field("Role name", { name: "name", required: true, autocomplete: "off", pattern: "[a-z0-9][a-z0-9_.\\-]{1,63}" }),
      field("Description", { name: "description", autocomplete: "off" })),
    permissionMatrix(),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button" }, "Create role")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { name, description } = formValues(form);
    const permissions = [...form.querySelectorAll("input[name=permission]:checked")].map((c) => c.value);
    try {
      await api.post("/api/roles", { name, description: description || null, permissions });
      form.reset();
      toast(`Role ${name} created`);
      await loadList();
      await renderAssign();
    } catch (err) {
      toast(err.message, "error");
    }
  });
  return form;
}

async function loadList() {
  roles = (await api.get("/api/roles")).items;
  renderTable(listBox, {
    caption: "Roles",
    columns: [
      { label: "Name", value: (r) => r.name },
      { label: "Kind", value: (r) => (r.builtin ? "built-in" : "custom") },
      { label: "Permissions", value: (r) => h("span", { class: "mono" }, r.permissions.join(" ")) },
      { label: "Users", value: (r) => String(r.users) },
      { label: "Actions", value: (r) => (r.builtin ? "—" : h("button", {
        type: "button", class: "button small danger", "aria-label": `Delete role ${r.name}`,
        onclick: async () => {
          if (!confirm(`Delete role ${r.name}? Its ${r.users} user(s) lose it at once.`)) return;
          await api.del(`/api/roles/${r.id}`);
          toast(`Role ${r.name} deleted`);
          await loadList();
          await renderAssign();
        },
      }, "Delete")) },
    ],
    rows: roles,
  });
}

function checkList(legend, name, options) {
  return h("fieldset", { class: "check-list" }, h("legend", {}, legend),
    options.length ? options.map((o) => h("label", {},
      h("input", { type: "checkbox", name, value: String(o.value) }), ` ${o.label}`))
      : h("span", { class: "muted" }, "none yet"));
}

function scopeText(a) {
  const parts = [];
  if (a.domains) parts.push(`domains: ${a.domains.join(", ")}`);
  if (a.device_groups) parts.push(`device groups: ${a.device_groups.join(", ")}`);
  return parts.length ? parts.join("; ") : "everywhere";
}

async function showAssignments(box, user, changed) {
  const current = await api.get(`/api/users/${user.id}/roles`);
  const put = async (assignments, message) => {
    try {
      await api.put(`/api/users/${user.id}/roles`, { assignments });
      toast(message);
    } catch (err) {
      toast(err.message, "error");
    }
    await changed();
  };
  const plain = (a) => ({ role_id: a.role_id, domains: a.domains, device_groups: a.device_groups });
  renderTable(box, {
    caption: `Custom roles of ${user.username} (built-in role: ${current.role})`,
    columns: [
      { label: "Role", value: (a) => a.role },
      { label: "Scope", value: scopeText },
      { label: "Actions", value: (a) => h("button", {
        type: "button", class: "button small secondary", "aria-label": `Remove ${a.role} from ${user.username}`,
        onclick: () => put(current.assignments.filter((x) => x.role_id !== a.role_id).map(plain),
          `${a.role} removed from ${user.username}`),
      }, "Remove") },
    ],
    rows: current.assignments, empty: "No custom roles: the built-in role alone.",
  });
  return { current, put, plain };
}

async function renderAssign() {
  const [users, groups, info] = await Promise.all([
    api.get("/api/users", { limit: 200 }), api.get("/api/device-groups", { limit: 200 }),
    api.get("/api/catalogue")]);
  const custom = roles.filter((r) => !r.builtin);
  const listing = h("div");
  const userField = field("User", { name: "user" }, users.items.map((u) => ({ value: String(u.id), label: `${u.username} (${u.role})` })));
  const form = h("form", { id: "assign-form" },
    h("div", { class: "grid-form" }, userField,
      field("Custom role", { name: "role_id", required: true }, custom.map((r) => ({ value: String(r.id), label: r.name })))),
    h("p", { class: "muted" }, "Leave both scopes empty to grant the role everywhere."),
    h("div", { class: "scope-lists" },
      checkList("Scope: domains", "domain", info.domains.map((d) => ({ value: d, label: d }))),
      checkList("Scope: device groups", "group", groups.items.map((g) => ({ value: g.id, label: g.name })))),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button", disabled: !custom.length }, "Assign role")));
  const userSelect = userField.querySelector("select");
  const selected = () => users.items.find((u) => String(u.id) === userSelect.value);
  let state = null;
  const refresh = async () => {
    state = selected() ? await showAssignments(listing, selected(), async () => {
      await loadList();
      await refresh();
    }) : null;
  };
  userSelect.addEventListener("change", refresh);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!state) return;
    const roleId = Number(formValues(form).role_id);
    const picked = (name) => [...form.querySelectorAll(`input[name=${name}]:checked`)].map((c) => c.value);
    const domains = picked("domain");
    const deviceGroups = picked("group").map(Number);
    const assignment = { role_id: roleId, domains: domains.length ? domains : null,
      device_groups: deviceGroups.length ? deviceGroups : null };
    const others = state.current.assignments.filter((a) => a.role_id !== roleId).map(state.plain);
    const role = custom.find((r) => r.id === roleId);
    await state.put([...others, assignment], `${role.name} given to ${selected().username} (${scopeText(assignment)})`);
  });
  clear(assignBox, form, listing);
  await refresh();
}

export async function render(root) {
  catalogue = await api.get("/api/roles/permissions");
  listBox = h("div");
  assignBox = h("div");
  clear(root, section("Create a role", createForm()), section("Roles", listBox),
    section("Assign roles to users", assignBox));
  await loadList();
  await renderAssign();
}
