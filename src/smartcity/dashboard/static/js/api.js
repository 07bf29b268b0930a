// The one way the dashboard talks to the JSON API: bearer token, refresh on 401, errors.
//
// The access token lives only in this module's memory. The refresh token is kept in
// sessionStorage so that a reload, or following a link to another dashboard page (each is a full
// page load), does not sign the operator out. sessionStorage is per tab and gone when the tab
// closes; it is not shared with other tabs as localStorage would be, and the CSP (script-src
// 'self', no inline script) is what keeps injected code from reading it.

const REFRESH_KEY = "smartcity.refresh";
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
  sessionStorage.setItem(REFRESH_KEY, data.refresh_token);
  return user;
}

function forget() {
  accessToken = null;
  user = null;
  sessionStorage.removeItem(REFRESH_KEY);
}

async function postJson(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function login(identity, password) {
  const who = identity.includes("@") ? { email: identity } : { username: identity };
  return keep(await postJson("/api/auth/login", { ...who, password }));
}

/** Trade the stored refresh token for a new pair; concurrent callers share one exchange. */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const token = sessionStorage.getItem(REFRESH_KEY);
      if (!token) throw new ApiError(401, { error: { code: "unauthorized", message: "not signed in" } });
      try {
        return keep(await postJson("/api/auth/refresh", { refresh_token: token }));
      } catch (err) {
        forget();
        throw err;
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
  if (response.status === 401 && sessionStorage.getItem(REFRESH_KEY)) {
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

export async function logout() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  try {
    if (accessToken) await api.post("/api/auth/logout", refreshToken ? { refresh_token: refreshToken } : {});
  } finally {
    forget();
    location.assign("/login");
  }
}
