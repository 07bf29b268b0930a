// Password reset: without a token, ask for the e-mail; with the e-mailed link's token (in the
// URL's #fragment, which never reaches a server log), set the new password.
import { ApiError } from "../api.js";
import { $ } from "../dom.js";
import { startPage } from "../shell.js";

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function readToken() {
  const params = new URLSearchParams(location.hash.slice(1) || location.search);
  const token = params.get("token");
  // Out of the address bar and the history: the link works once, and only for its owner.
  if (token) history.replaceState(null, "", location.pathname);
  return token;
}

function showError(message) {
  const error = $("#reset-error");
  error.textContent = message;
  error.hidden = false;
}

function forgot() {
  const form = $("#forgot-form");
  form.hidden = false;
  $("#email").focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $("#reset-error").hidden = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await post("/api/auth/forgot-password", { email: $("#email").value.trim() });
      $("#forgot-status").textContent = "If an account has this address, the link is on its way. Check your mailbox.";
    } catch (err) {
      showError(err.message);
    } finally {
      button.disabled = false;
    }
  });
}

function reset(token) {
  const form = $("#reset-form");
  form.hidden = false;
  $("#new-password").focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $("#reset-error").hidden = true;
    const password = $("#new-password").value;
    if (password !== $("#confirm-password").value) {
      showError("The two passwords differ.");
      $("#confirm-password").focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await post("/api/auth/reset-password", { token, password });
      form.hidden = true;
      $("#reset-done").hidden = false;
    } catch (err) {
      const field = err.details && err.details.field;
      showError(field === "token"
        ? "This link has expired or was used already. Ask for a new one below."
        : err.message.replace(/^password: /, "").replace(/^./, (c) => c.toUpperCase()));
      if (field === "token") {
        form.hidden = true;
        forgot();
      } else {
        button.disabled = false;
        $("#new-password").focus();
      }
    }
  });
}

startPage(() => {
  // A reset link opened over this page changes only the #fragment: start over with its token.
  addEventListener("hashchange", () => location.reload());
  const token = readToken();
  if (token) reset(token);
  else forgot();
}, { publicPage: true });
