// Sign-in page: exchange credentials for tokens, then go where the user was heading.
import { api, login } from "../api.js";
import { $ } from "../dom.js";
import { startPage } from "../shell.js";

/** Where the user was heading; without a target, their home dashboard or the overview. */
async function nextUrl() {
  const next = new URLSearchParams(location.search).get("next");
  // Only paths on this site: never an open redirect to another origin.
  if (next && next.startsWith("/") && !next.startsWith("//")) return next;
  const home = await api.get("/api/users/me/home-dashboard").catch(() => ({}));
  return home.dashboard_id ? `/dashboards/${home.dashboard_id}` : "/";
}

startPage(() => {
  const form = $("#login-form");
  const error = $("#login-error");
  $("#username").focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await login($("#username").value.trim(), $("#password").value);
      location.assign(await nextUrl());
    } catch (err) {
      error.textContent = err.status === 401 ? "Wrong username or password." : err.message;
      error.hidden = false;
      button.disabled = false;
      $("#password").focus();
    }
  });
}, { publicPage: true });
