// One time format everywhere, from the browser's locale (24 h in Finland), in the team's time zone.
const LOCALE = navigator.language || "en";
let zone = "UTC";
let clock = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", timeZone: zone });
const daySeconds = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
const percentFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
const numberFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });

export function setTimeZone(timeZone) {
  zone = timeZone || "UTC";
  clock = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", timeZone: zone });
}

/** An ISO timestamp as the team's local wall-clock time. */
export const localTime = (iso) => (iso ? clock.format(new Date(iso)) : "–");
/** A time of day given in seconds after local midnight (route ETAs, windows). */
export const hhmm = (seconds) => (seconds == null ? "–" : daySeconds.format(new Date(Math.round(seconds) * 1000)));
export const percent = (value) => (value == null ? "–" : `${percentFormat.format(value)} %`);
export const number = (value) => (value == null ? "–" : numberFormat.format(value));
export const today = () => new Date().toLocaleDateString("sv-SE", { timeZone: zone });

export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
