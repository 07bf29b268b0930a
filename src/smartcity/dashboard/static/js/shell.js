// The page shell: session, role-aware navigation, theme, connection state, "last updated", toasts.
// Every page module calls startPage(render).
import { can, currentUser, ensureSession, logout, refreshInFlight, toLogin } from "./api.js";
import { $, $$, bootstrap, clear, formatTime, h } from "./dom.js";
import { getSocket, joinRoom, on, onConnectionState } from "./socket.js";

// Where the dashboard's static files are served: this module sits in <static>/js/.
const STATIC = new URL("../", import.meta.url).pathname;

const THEME_KEY = "smartcity.theme";

function currentTheme() {
  const chosen = document.documentElement.dataset.theme;
  if (chosen) return chosen;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function labelThemeButton(button) {
  const next = currentTheme() === "dark" ? "light" : "dark";
  button.setAttribute("aria-label", `Switch to ${next} theme`);
  button.title = `Switch to ${next} theme`;
}

export function onThemeChange(listener) {
  document.addEventListener("themechange", () => listener(currentTheme()));
}

function setupTheme() {
  const button = $("#theme-toggle");
  if (!button) return;
  labelThemeButton(button);
  button.addEventListener("click", () => {
    const theme = currentTheme() === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch { /* the choice lasts for this page only */ }
    labelThemeButton(button);
    document.dispatchEvent(new CustomEvent("themechange", { detail: theme }));
  });
}

// A refresh rotates the refresh token: leaving the page before its answer arrives would lose the
// new one and sign the operator out on the next page, so following one of our links waits for it.
function holdLinksDuringRefresh() {
  document.addEventListener("click", (event) => {
    const pending = refreshInFlight();
    const link = event.target.closest && event.target.closest("a[href]");
    if (!pending || !link || link.origin !== location.origin || link.target || link.hasAttribute("download")
      || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    pending.catch(() => {}).finally(() => location.assign(link.href));
  });
}

function setupNav() {
  const toggle = $("#nav-toggle");
  const nav = $("#nav");
  if (!toggle || !nav) return;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });
}

/** Remove what the user's role may not use: elements marked data-min-role above it. */
export function applyRoles(root = document) {
  for (const el of $$("[data-min-role]", root)) {
    if (!can(el.dataset.minRole)) el.remove();
  }
}

export function markUpdated(ms = Date.now()) {
  const el = $("#last-updated");
  if (!el) return;
  el.dateTime = new Date(ms).toISOString();
  el.textContent = formatTime(ms);
}

export function toast(message, kind = "info") {
  const box = $("#toasts");
  if (!box) return;
  const item = h("div", { class: `toast toast-${kind}` }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

function setupConnection() {
  const conn = $("#conn");
  if (!conn) return;
  const labels = { online: "Live", offline: "Offline", connecting: "Connecting" };
  onConnectionState((state) => {
    conn.dataset.state = state;
    clear($(".conn-label", conn), labels[state] || state);
  });
  getSocket();
}

export function noAccess(container, message = "You do not have access to this page.") {
  clear(container, h("p", { class: "notice" }, message));
}

/** Sign in (or go to the login page), set up the shell, then render the page. */
export async function startPage(render, { publicPage = false } = {}) {
  setupTheme();
  setupNav();
  holdLinksDuringRefresh();
  const data = bootstrap();
  if (publicPage) return render({ bootstrap: data });
  try {
    await ensureSession();
  } catch {
    toLogin();
    return;
  }
  const user = currentUser();
  document.body.dataset.role = user.role;
  const who = $("#who");
  if (who) who.textContent = `${user.username} (${user.role})`;
  $("#logout")?.addEventListener("click", () => logout());
  applyRoles();
  setupConnection();
  try {
    await render({ user, bootstrap: data });
    if (!$("#last-updated")?.dateTime) markUpdated();  // unless the page set its own time
  } catch (err) {
    console.warn(err);
    toast(err.message || "Something went wrong", "error");
  }
}

/** Add a stylesheet once (a path under the static folder, or absolute); resolves when it
 * applies, since maps and charts measure their boxes. */
export function stylesheet(path) {
  const href = path.startsWith("/") ? path : `${STATIC}${path}`;
  if (document.querySelector(`link[href="${href}"]`)) return Promise.resolve();
  return new Promise((resolve) => {
    const link = h("link", { rel: "stylesheet", href });
    link.addEventListener("load", resolve);
    link.addEventListener("error", resolve);
    document.head.append(link);
  });
}

/**
 * A live domain page in one call: its styles, its render, then a debounced load() on the room's
 * <room>_update and the other `events`, on reconnect and every `refreshMs`.
 * `onEvent[name](payload)` runs before the reload (a toast for an alert, say).
 * Returns the debounced reload, for the page's own controls.
 */
export function livePage({ room, events = [], styles = [], render, load, onEvent = {},
                           refreshMs = 60_000, debounceMs = 500 }) {
  let pending = null;
  const reload = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      load().catch((err) => toast(err.message, "error"));
    }, debounceMs);
  };
  startPage(async (context) => {
    await Promise.all(styles.map(stylesheet));
    await render(context);
    if (room) joinRoom(room);
    for (const name of [...(room ? [`${room}_update`] : []), ...events]) {
      on(name, (payload) => {
        onEvent[name]?.(payload);
        reload();
      });
    }
    on("connect", reload);
    if (refreshMs) setInterval(reload, refreshMs);
  });
  return reload;
}
