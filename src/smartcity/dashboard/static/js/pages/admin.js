// Administration: one section per URL (/admin/<section>), each in its own module.
import { can } from "../api.js";
import { $, bootstrap } from "../dom.js";
import { noAccess, startPage } from "../shell.js";

const SECTIONS = {
  devices: { role: "operator", load: () => import("../admin/devices.js") },
  groups: { role: "operator", load: () => import("../admin/groups.js") },
  users: { role: "admin", load: () => import("../admin/users.js") },
  roles: { role: "admin", load: () => import("../admin/roles.js") },
  "service-accounts": { role: "admin", load: () => import("../admin/service_accounts.js") },
  rules: { role: "operator", load: () => import("../admin/rules.js") },
  notifications: { role: "admin", load: () => import("../admin/notifications.js") },
};

async function render() {
  const section = SECTIONS[bootstrap().section];
  const root = $("#admin-root");
  if (!section || !can(section.role)) {
    noAccess(root, "You do not have access to this section.");
    return;
  }
  const module = await section.load();
  await module.render(root);
}

startPage(render);
