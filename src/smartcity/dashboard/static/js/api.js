// The one way the dashboard talks to the JSON API: bearer token, refresh on 401, errors.
//
// The access token lives only in this module's memory. The refresh token lives in an HttpOnly,
// SameSite=Strict cookie limited to /api/auth (auth/refresh_cookie.py): no script can read it,
// and every tab of the browser shares it, so a link opened in a new tab is signed in already.
// The X-Refresh-Cookie header opts in to the cookie and is what a cross-site page cannot send.

const OPT_IN = { "X-Refresh-Cookie": "1" };
// Set beside the HttpOnly cookie, readable, no secret: a sign-in exists in this browser.
const signedIn = () => document.cookie.split("; ").includes("smartcity_signed_in=1");
const notSignedIn = () => new ApiError(401, { error: { code: "unauthorized", message: "not signed in" } });
const ROLES = ["viewer", "operator", "admin"];
let accessToken = null;
let user = null;
let refreshing = null;

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `request failed (${status})`);
    this.status = status;
    this.code = error.code || "error";
    this.details = error.details || {};
  }
}

function keep(data) {
  accessToken = data.access_token;
  user = data.user;
  return user;
}

function forget() {
  accessToken = null;
  user = null;
  try {
    sessionStorage.removeItem("smartcity.refresh");  // where earlier versions kept the token
  } catch { /* storage blocked: nothing kept there either */ }
}

async function postJson(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json", ...OPT_IN },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function login(identity, password) {
  const who = identity.includes("@") ? { email: identity } : { username: identity };
  return keep(await postJson("/api/auth/login", { ...who, password }));
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** Trade the refresh cookie for a new pair; concurrent callers share one exchange. */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      if (!signedIn()) throw notSignedIn();
      try {
        return keep(await postJson("/api/auth/refresh"));
      } catch (err) {
        if (err.status !== 401) throw err;
        // Another tab may have rotated the shared cookie a moment before: its new one is in the
        // cookie jar now, so one more try with it signs this tab in too.
        await sleep(250 + Math.random() * 250);
        try {
          return keep(await postJson("/api/auth/refresh"));
        } catch (again) {
          forget();
          throw again;
        }
      }
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** The refresh under way, if any (see shell.js: links wait for it). */
export const refreshInFlight = () => refreshing;

export async function ensureSession() {
  return accessToken ? user : refresh();
}

export const token = () => accessToken;
export const currentUser = () => user;

export function can(role) {
  return Boolean(user) && ROLES.indexOf(user.role) >= ROLES.indexOf(role);
}

export function toLogin() {
  const next = location.pathname + location.search;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, value);
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

export async function request(method, path, { body, query, raw = false } = {}) {
  const url = withQuery(path, query);
  const send = () => {
    const headers = accessToken ? { Authorization: `Bearer ${accessToken}` } : {};
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init);
  };
  let response = await send();
  if (response.status === 401 && signedIn()) {
    try {
      await refresh();
    } catch {
      toLogin();
      throw new ApiError(401, null);
    }
    response = await send();
  }
  if (raw && response.ok) return response;
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const api = {
  get: (path, query) => request("GET", path, { query }),
  post: (path, body = {}) => request("POST", path, { body }),
  put: (path, body) => request("PUT", path, { body }),
  patch: (path, body) => request("PATCH", path, { body }),
  del: (path) => request("DELETE", path),
};

/** Change the password: every other session ends, this tab keeps a fresh token pair. */
export async function changePassword(currentPassword, newPassword) {
  const response = await fetch("/api/auth/change-password", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${accessToken}`, ...OPT_IN },
    body: JSON.stringify({ current_password: currentPassword, new_password: newPassword }),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return keep(data);
}

/** Fetch a file with the bearer token and hand it to the browser as a download. */
export async function download(path, query, filename) {
  const response = await request("GET", path, { query, raw: true });
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Sign out of every tab: the access token and the shared refresh cookie are both revoked. */
export async function logout() {
  try {
    if (accessToken) await api.post("/api/auth/logout", {});
    await fetch("/api/auth/refresh", { method: "DELETE", headers: OPT_IN });
  } finally {
    forget();
    location.assign("/login");
  }
}
