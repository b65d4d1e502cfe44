// The API client of the console: bearer tokens kept for the tab's life, refreshed before the access
// token expires (at 80 % of its lifetime) and once more on a 401 (a laptop asleep past the expiry),
// then the request is retried; a refresh that fails signs out.
const TOKENS_KEY = "fieldsales.tokens";

let tokens = JSON.parse(sessionStorage.getItem(TOKENS_KEY) || "null");
let refreshing = null;
let refreshTimer = null;
let onSignedOut = () => {};

export const hasSession = () => tokens !== null;
export const setSignedOutHandler = (handler) => { onSignedOut = handler; };

function keep(pair) {
  tokens = { access: pair.access_token, refresh: pair.refresh_token, expiresAt: Date.now() + pair.expires_in * 1000 };
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  schedule();
}

function schedule() {
  clearTimeout(refreshTimer);
  if (!tokens) return;
  const lifetime = Math.max(0, tokens.expiresAt - Date.now());
  refreshTimer = setTimeout(() => refresh().catch(() => {}), Math.max(1000, lifetime * 0.8));
}

export function forget() {
  clearTimeout(refreshTimer);
  tokens = null;
  sessionStorage.removeItem(TOKENS_KEY);
}

export async function login(email, password) {
  const response = await fetch("/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || "sign-in failed");
  keep(body);
}

export function refresh() {
  if (!tokens) return Promise.reject(new Error("not signed in"));
  refreshing ??= (async () => {
    try {
      const response = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: tokens.refresh }),
      });
      if (!response.ok) throw new Error("your session has ended; sign in again");
      keep(await response.json());
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function send(path, options) {
  const headers = { ...(options.headers || {}) };
  if (tokens) headers.Authorization = `Bearer ${tokens.access}`;
  return fetch(path, { ...options, headers });
}

export async function api(path, options = {}) {
  if (tokens && Date.now() >= tokens.expiresAt) await refresh().catch(() => {});
  let response = await send(path, options);
  if (response.status === 401 && tokens) {
    try {
      await refresh();
    } catch (error) {
      forget();
      onSignedOut();
      throw error;
    }
    response = await send(path, options);
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const problem = await response.json();
      detail = problem.detail + (problem.field ? ` (${problem.field})` : "");
    } catch (_) { /* not JSON */ }
    throw new Error(detail);
  }
  return response;
}

export const getJSON = async (path) => (await api(path)).json();

if (tokens) schedule();
