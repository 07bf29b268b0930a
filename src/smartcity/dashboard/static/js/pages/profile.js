// Profile: my account, password, sign-in sessions, alarm notification preferences, push opt-in.
import { api, changePassword, currentUser, request } from "../api.js";
import { loadCatalogue } from "../catalogue.js";
import { $, clear, formatTime, h } from "../dom.js";
import { renderTable } from "../components/table.js";
import { startPage, toast } from "../shell.js";
import { field, section } from "../admin/common.js";

const SEVERITIES = ["critical", "major", "minor", "warning", "info"];
const CHANNELS = { email: "E-mail", sms: "SMS", push: "Push on this browser", chat: "Chat webhook" };
const DIGESTS = { immediate: "At once", hourly: "Hourly digest", daily: "Daily digest" };
const PREFS = "/api/users/me/notifications";
const SUBS = "/api/users/me/push-subscriptions";
const SW = "/static/js/sw.js";

function status(id) {
  return h("p", { id, class: "muted form-status", role: "status", "aria-live": "polite" });
}

function problem(err) {
  return err.message || "Something went wrong";
}

// -- account and password ---------------------------------------------------------------------

function accountForm(user) {
  const form = h("form", { class: "grid-form", id: "account-form" },
    field("Name", { name: "full_name", value: user.full_name || "", autocomplete: "name" }),
    field("E-mail", { name: "email", type: "email", value: user.email || "", autocomplete: "email" }),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button" }, "Save")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.put("/api/auth/profile", {
        full_name: form.full_name.value.trim() || null, email: form.email.value.trim() || null });
      toast("Account saved");
    } catch (err) {
      toast(problem(err), "error");
    }
  });
  return form;
}

function passwordForm() {
  const form = h("form", { class: "grid-form", id: "password-form" },
    field("Current password", { name: "current", type: "password", autocomplete: "current-password", required: true }),
    field("New password", { name: "next", type: "password", autocomplete: "new-password", required: true }),
    field("New password again", { name: "again", type: "password", autocomplete: "new-password", required: true }),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button" }, "Change password")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.next.value !== form.again.value) {
      toast("The two new passwords differ.", "error");
      return;
    }
    try {
      await changePassword(form.current.value, form.next.value);
      form.reset();
      toast("Password changed; your other sessions have ended.");
      await loadSessions();
    } catch (err) {
      toast(problem(err), "error");
    }
  });
  return h("div", {}, h("p", { class: "muted" },
    "8 to 72 characters, not a common or easily guessed one. Changing it signs out every other session."), form);
}

// -- sessions ---------------------------------------------------------------------------------

let sessionsBox;

function browserOf(agent) {
  if (!agent) return "unknown";
  const match = agent.match(/(Firefox|Edg|Chrome|Safari)\/[\d.]+/);
  const system = (agent.match(/\(([^;)]+)/) || [])[1];
  const name = match ? match[0].replace("Edg/", "Edge/").split(".")[0] : agent.slice(0, 40);
  return system ? `${name} on ${system}` : name;
}

async function loadSessions() {
  const { items } = await api.get("/api/auth/sessions");
  renderTable(sessionsBox, {
    caption: "Active sign-in sessions",
    columns: [
      { label: "Browser", value: (s) => h("span", { title: s.user_agent || "" }, browserOf(s.user_agent)) },
      { label: "Address", value: (s) => s.address || "—" },
      { label: "Signed in", value: (s) => formatTime(Date.parse(s.created_at)) },
      { label: "Last used", value: (s) => formatTime(Date.parse(s.last_used_at)) },
      { label: "Actions", value: (s) => (s.current ? h("span", { class: "muted" }, "this session")
        : h("button", { type: "button", class: "button small danger", "aria-label": `End the session of ${browserOf(s.user_agent)}`,
          onclick: async () => {
            await api.del(`/api/auth/sessions/${s.id}`);
            toast("Session ended");
            loadSessions();
          } }, "End")) },
    ],
    rows: items, empty: "No other sessions.",
  });
}

// -- notification preferences -----------------------------------------------------------------

function zones(current) {
  const list = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set(["UTC", current, ...list])].filter(Boolean);
}

function checkboxes(legend, name, options, chosen, disabledReason = {}) {
  return h("fieldset", { class: "checks" }, h("legend", {}, legend),
    ...Object.entries(options).map(([value, text]) => {
      const reason = disabledReason[value];
      const id = `${name}-${value}`;
      return h("div", { class: "field check" },
        h("label", { for: id }, h("input", { type: "checkbox", id, name, value,
          checked: chosen.includes(value), disabled: Boolean(reason),
          "aria-describedby": reason ? `${id}-why` : undefined }), text),
        reason ? h("span", { id: `${id}-why`, class: "muted small" }, reason) : null);
    }));
}

function preferencesForm(prefs, domains) {
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone = prefs.enabled ? prefs.timezone : (localZone || prefs.timezone);
  const form = h("form", { id: "prefs-form", class: "prefs-form" },
    h("div", { class: "field check" }, h("label", { for: "prefs-enabled" },
      h("input", { type: "checkbox", id: "prefs-enabled", name: "enabled", checked: prefs.enabled }),
      "Send me alarm notifications")),
    checkboxes("Channels", "channels", CHANNELS, prefs.channels, prefs.channels_unavailable_reason),
    h("div", { class: "grid-form" },
      field("Minimum severity", { name: "min_severity" }, SEVERITIES),
      field("Delivery", { name: "digest" }, Object.entries(DIGESTS).map(([value, label]) => ({ value, label }))),
      field("Daily digest at", { name: "daily_at", type: "time", value: prefs.daily_at }),
      field("Phone for SMS", { name: "phone", type: "tel", value: prefs.phone || "", placeholder: "+4915112345678", autocomplete: "tel" })),
    checkboxes("Domains (none ticked: every domain)", "domains",
      Object.fromEntries(domains.map((d) => [d, d.replace(/_/g, " ")])), prefs.domains),
    h("div", { class: "grid-form" },
      field("Quiet hours from", { name: "quiet_start", type: "time", value: prefs.quiet_start || "" }),
      field("Quiet hours until", { name: "quiet_end", type: "time", value: prefs.quiet_end || "" }),
      field("Time zone", { name: "timezone" }, zones(zone))),
    h("p", { class: "muted" }, "During quiet hours alarms are held and sent as one message when they end."),
    h("div", { class: "grid-form" },
      field("Chat webhook URL", { name: "chat_url", type: "url", value: prefs.chat_url || "", placeholder: "https://hooks.slack.com/services/…", class: "wide" }),
      field("Chat style", { name: "chat_style" }, [{ value: "slack", label: "Slack" }, { value: "teams", label: "Microsoft Teams" }])),
    status("prefs-status"),
    h("div", { class: "field-actions" }, h("button", { type: "submit", class: "button" }, "Save notification settings")));
  form.min_severity.value = prefs.min_severity;
  form.digest.value = prefs.digest;
  form.timezone.value = zone;
  form.chat_style.value = prefs.chat_style;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const checked = (name) => [...form.querySelectorAll(`input[name=${name}]:checked:not(:disabled)`)].map((i) => i.value);
    const body = {
      enabled: form.enabled.checked, channels: checked("channels"), domains: checked("domains"),
      min_severity: form.min_severity.value, digest: form.digest.value,
      daily_at: form.daily_at.value || "08:00", timezone: form.timezone.value,
      quiet_start: form.quiet_start.value || null, quiet_end: form.quiet_end.value || null,
      phone: form.phone.value.trim() || null, chat_url: form.chat_url.value.trim() || null,
      chat_style: form.chat_style.value,
    };
    try {
      const saved = await api.put(PREFS, body);
      describe(saved);
      toast("Notification settings saved");
    } catch (err) {
      const name = err.details && err.details.field;
      const control = name && form.querySelector(`[name=${name}]`);
      $("#prefs-status").textContent = problem(err);
      if (control) control.focus();
      toast(problem(err), "error");
    }
  });
  return form;
}

function describe(prefs) {
  const held = prefs.held ? ` ${prefs.held} alarm${prefs.held === 1 ? " is" : "s are"} held for the next message.` : "";
  const last = prefs.last_digest_at ? ` Last digest ${formatTime(Date.parse(prefs.last_digest_at))}.` : "";
  $("#prefs-status").textContent = prefs.enabled
    ? `On: ${prefs.channels.join(", ") || "no channel"}, ${prefs.min_severity} and above.${held}${last}`
    : "Off: you get no alarm notifications.";
}

// -- push on this browser ---------------------------------------------------------------------

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** The registration once its worker is active (serviceWorker.ready would wait forever: the
 * worker's scope, /static/js/, does not cover this page, and push needs no more). */
function activated(registration) {
  if (registration.active) return Promise.resolve(registration);
  const worker = registration.installing || registration.waiting;
  return new Promise((resolve, reject) => {
    worker.addEventListener("statechange", () => {
      if (worker.state === "activated") resolve(registration);
      else if (worker.state === "redundant") reject(new Error("The service worker did not start."));
    });
  });
}

async function currentSubscription() {
  const registration = await navigator.serviceWorker.getRegistration(SW);
  return registration ? registration.pushManager.getSubscription() : null;
}

async function renderPush(box, prefs) {
  const say = (text, ...children) => clear(box, h("p", { id: "push-state" }, text), ...children);
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    say("This browser cannot receive push notifications.");
    return;
  }
  if (!prefs.vapid_public_key) {
    say("Push notifications are not configured on this server (VAPID key).");
    return;
  }
  const subscription = await currentSubscription().catch(() => null);
  if (subscription) {
    say("This browser receives your alarm notifications when Push is among your channels.",
      h("button", { type: "button", class: "button secondary", id: "push-off", onclick: async () => {
        await request("DELETE", SUBS, { body: { endpoint: subscription.endpoint } }).catch(() => null);
        await subscription.unsubscribe();
        toast("Push notifications off for this browser");
        renderPush(box, prefs);
      } }, "Turn off push on this browser"));
    return;
  }
  say(Notification.permission === "denied"
    ? "Notifications are blocked for this site in the browser's settings."
    : "Get alarm notifications on this device even when the dashboard is closed.",
  h("button", { type: "button", class: "button", id: "push-on", disabled: Notification.permission === "denied",
    onclick: async () => {
      try {
        if (await Notification.requestPermission() !== "granted") throw new Error("Permission to notify was not given.");
        const registration = await activated(await navigator.serviceWorker.register(SW));
        const sub = await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(prefs.vapid_public_key) });
        await api.post(SUBS, sub.toJSON());
        toast("Push notifications on for this browser");
      } catch (err) {
        toast(problem(err), "error");
      }
      renderPush(box, prefs);
    } }, "Turn on push on this browser"));
}

async function render() {
  const root = $("#profile-root");
  const user = await api.get("/api/auth/profile");
  const [prefs, catalogue] = await Promise.all([api.get(PREFS), loadCatalogue()]);
  sessionsBox = h("div");
  const pushBox = h("div", { id: "push-box" });
  clear(root,
    h("div", { class: "columns" },
      section("Account", h("p", { class: "muted" }, `Signed in as ${currentUser().username} (${user.role}).`), accountForm(user)),
      section("Password", passwordForm())),
    section("Sign-in sessions", sessionsBox),
    section("Alarm notifications", preferencesForm(prefs, catalogue.domains)),
    section("Push notifications", pushBox));
  describe(prefs);
  await Promise.all([loadSessions(), renderPush(pushBox, prefs)]);
}
startPage(render);
