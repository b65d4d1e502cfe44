// The supervisor console: sign in, then draw the team's day on a Leaflet map from the GeoJSON API
// (one colour per rep, named in the legend; stops and check-ins spaced apart so each is visible;
// check-ins above stops, coloured by verdict), play the day back rep by rep, and show the reports.
// Vanilla JS, bundled by esbuild.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./console.css";
import { api, forget, getJSON, hasSession, login, setSignedOutHandler } from "./api.js";
import { declutter } from "./declutter.js";
import { escapeHtml, hhmm, localTime, setTimeZone, today } from "./format.js";
import { SECTIONS, section, sortOnClick } from "./reports.js";

const $ = (id) => document.getElementById(id);
const state = {
  config: null, map: null, layers: {}, reps: [], colours: new Map(), visits: [], stops: [], homes: new Map(),
  spaced: [], playback: null, templates: new Map(),
};

function setStatus(text, isError = false) {
  const el = $("status");
  el.textContent = text;
  el.className = isError ? "error" : "";
}

// --- sign in -----------------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  window.__signInStarted = performance.now();
  try {
    await login($("email").value, $("password").value);
    await start();
  } catch (error) {
    $("login-error").textContent = error.message;
  }
}

function signOut() {
  forget();
  stopPlayback();
  $("app-view").hidden = true;
  $("login-view").hidden = false;
}

async function start() {
  initMap();
  // Everything the first map needs, in parallel: who, the team, the basemap, territories, the day.
  const params = new URLSearchParams(location.search);
  $("day").value = params.get("day") || today();
  const basemap = loadBasemap().catch(() => null);
  const territories = loadTerritories().catch(() => null);
  const [me, reps] = await Promise.all([getJSON("/api/v1/me"), getJSON("/api/v1/supervision/reps").catch(() => null)]);
  if (me.role !== "supervisor" && me.role !== "admin") {
    signOut();
    $("login-error").textContent = "the console is for supervisors and admins";
    return;
  }
  $("who").textContent = `${me.name} (${me.role})`;
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  state.map.invalidateSize();
  setReps(reps ? reps.items : []);
  if (params.get("rep")) $("rep").value = params.get("rep");
  await Promise.all([basemap, territories, showDay()]);
  window.__mapDrawn = performance.now();
}

// --- reps: one colour each, named in the legend -------------------------------------------------

// Distinct, colour-blind-friendly hues (Okabe-Ito, then Tableau), none of them the verdict colours.
const PALETTE = ["#0072B2", "#CC79A7", "#56B4E9", "#E69F00", "#8c564b", "#9467bd", "#17becf", "#7f7f7f", "#bcbd22", "#393b79"];

function setReps(reps) {
  state.reps = reps;
  state.colours = new Map(reps.map((rep, i) => [rep.id, PALETTE[i % PALETTE.length]]));
  const select = $("rep");
  select.length = 1;
  for (const rep of reps) select.add(new Option(rep.name, String(rep.id)));
}

const colourOf = (repId) => state.colours.get(Number(repId)) || PALETTE[Number(repId) % PALETTE.length];
const nameOf = (repId) => state.reps.find((r) => r.id === Number(repId))?.name || `rep ${repId}`;

function drawRepLegend(routes, visits) {
  const shown = new Set([...routes.map((f) => f.properties.rep_id), ...visits.map((f) => f.properties.rep_id)]);
  const reps = state.reps.filter((rep) => shown.has(rep.id));
  for (const id of shown) if (!state.colours.has(id)) reps.push({ id, name: nameOf(id) });
  $("rep-legend").innerHTML = reps.length
    ? reps.map((rep) => {
      const stops = routes.filter((f) => f.properties.kind === "stop" && f.properties.rep_id === rep.id).length;
      const done = visits.filter((f) => f.properties.rep_id === rep.id).length;
      return `<button type="button" class="rep-legend-item" data-rep="${rep.id}" title="show only ${escapeHtml(rep.name)}">
        <i class="swatch rep" style="background:${colourOf(rep.id)}"></i><span class="rep-name">${escapeHtml(rep.name)}</span>
        <small>${stops} stops · ${done} check-ins</small></button>`;
    }).join("")
    : "<span class='hint'>No routes or check-ins this day.</span>";
}

// --- map ---------------------------------------------------------------------------------------

function initMap() {
  if (state.map) return;
  state.map = L.map("map", { zoomControl: true, attributionControl: true });
  state.map.setView([60.168, 24.94], 14);
  // Check-ins and the playback above the stop markers (markerPane is 600).
  state.map.createPane("checkins").style.zIndex = 650;
  state.map.createPane("playback").style.zIndex = 660;
  state.checkinRenderer = L.svg({ pane: "checkins" });
  state.playbackRenderer = L.svg({ pane: "playback" });
  if (state.config.tile_url) {
    L.tileLayer(state.config.tile_url, { attribution: state.config.tile_attribution, maxZoom: 19 }).addTo(state.map);
  }
  for (const name of ["basemap", "territories", "routes", "due", "stops", "visits", "playback"]) {
    state.layers[name] = L.layerGroup().addTo(state.map);
  }
  state.map.on("zoomend", spaceMarkers);
}

async function loadBasemap() {
  if (state.config.tile_url) return;
  const streets = await getJSON("/api/v1/supervision/basemap.geojson");
  // Thousands of street lines: drawn on one canvas (SVG paths would cost the first load ~1 s).
  L.geoJSON(streets, {
    interactive: false,
    renderer: L.canvas({ padding: 0.5 }),
    style: (f) => ({ className: "street", color: f.properties.drivable ? "#c9c9c9" : "#e2e2e2", weight: f.properties.drivable ? 3 : 1.5, opacity: 1 }),
  }).addTo(state.layers.basemap);
  state.map.attributionControl.addAttribution(escapeHtml(streets.attribution || state.config.basemap_attribution));
}

async function loadTerritories() {
  const territories = await getJSON("/api/v1/supervision/territories.geojson");
  L.geoJSON(territories, {
    style: () => ({ className: "territory-outline", color: "#555", weight: 2, dashArray: "6 4", fill: false }),
    onEachFeature: (f, layer) => layer.bindTooltip(`${escapeHtml(f.properties.name)} · ${escapeHtml(f.properties.owner_name || "no rep")}`, { sticky: true }),
  }).addTo(state.layers.territories);
}

function query() {
  const params = new URLSearchParams({ day: $("day").value });
  if ($("rep").value) params.set("rep", $("rep").value);
  return params.toString();
}

async function showDay() {
  stopPlayback();
  $("details").innerHTML = '<p class="hint">Click a check-in, a stop or a due account.</p>';
  setStatus("loading…");
  try {
    const q = query();
    const [routes, visits, due] = await Promise.all([
      getJSON(`/api/v1/supervision/routes.geojson?${q}`),
      getJSON(`/api/v1/supervision/visits.geojson?${q}`),
      getJSON(`/api/v1/supervision/due.geojson?${q}`),
    ]);
    state.visits = [...visits.features].sort((a, b) => a.properties.checked_in_at.localeCompare(b.properties.checked_in_at));
    drawRoutes(routes);
    drawDue(due);
    drawVisits(state.visits);
    drawRepLegend(routes.features, visits.features);
    const lines = routes.features.filter((f) => f.properties.kind === "route").length;
    const flagged = visits.features.filter((f) => f.properties.verdict === "flagged").length;
    const bounds = L.latLngBounds([]);
    for (const f of [...routes.features, ...visits.features, ...due.features]) {
      const coordinates = f.geometry.type === "Point" ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const [x, y] of coordinates) bounds.extend([y, x]);
    }
    if (bounds.isValid()) state.map.fitBounds(bounds, { padding: [40, 40], maxZoom: 17, animate: false });
    spaceMarkers();
    setStatus(`${lines} route(s), ${visits.features.length} check-in(s), ${flagged} flagged, ${due.features.length} due not visited`);
  } catch (error) {
    setStatus(error.message, true);
  }
}

function drawRoutes(collection) {
  state.layers.routes.clearLayers();
  state.layers.stops.clearLayers();
  state.stops = [];
  state.homes = new Map();
  for (const f of collection.features) {
    const p = f.properties;
    if (p.kind === "route") {
      const latlngs = f.geometry.coordinates.map(([x, y]) => [y, x]);
      L.polyline(latlngs, { className: `route-line rep-${p.rep_id}`, color: colourOf(p.rep_id), weight: 4, opacity: 0.7 })
        .bindTooltip(`${escapeHtml(p.rep_name)}: ${p.stops} stops, ${(p.distance_m / 1000).toFixed(1)} km planned`, { sticky: true })
        .addTo(state.layers.routes);
    } else if (p.kind === "stop") {
      const [lon, lat] = f.geometry.coordinates;
      const icon = L.divIcon({
        className: `stop-marker rep-${p.rep_id}${p.visited ? " stop-visited" : ""}`,
        html: `<span style="border-color:${colourOf(p.rep_id)}">${p.number}</span>`,
        iconSize: [24, 24],
        iconAnchor: [12, 12],
      });
      const layer = L.marker([lat, lon], { icon, title: `${p.number}. ${p.account_name} (${p.rep_name})` })
        .on("click", () => showStop(p))
        .addTo(state.layers.stops);
      state.stops.push({ latlng: L.latLng(lat, lon), layer });
    } else if (p.kind === "home") {
      const [lon, lat] = f.geometry.coordinates;
      state.homes.set(p.rep_id, L.latLng(lat, lon));
      L.circleMarker([lat, lon], { className: "home-marker", radius: 5, color: colourOf(p.rep_id), fillOpacity: 1 })
        .bindTooltip(`${escapeHtml(p.rep_name)}: start and end`)
        .addTo(state.layers.routes);
    }
  }
}

function drawDue(collection) {
  state.layers.due.clearLayers();
  for (const f of collection.features) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    L.circleMarker([lat, lon], { className: `due-marker due-${p.cause}`, radius: 12, color: "#7f7f7f", weight: 2, dashArray: "2 3", fill: false })
      .on("click", () => showDue(p))
      .addTo(state.layers.due);
  }
}

/** Check-ins: filled by verdict (ok green, flagged orange), ringed in the rep's colour, above stops. */
function drawVisits(features, visible = () => true) {
  state.layers.visits.clearLayers();
  state.checkins = [];
  for (const f of features) {
    if (!visible(f)) continue;
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const flagged = p.verdict === "flagged";
    const layer = L.circleMarker([lat, lon], {
      renderer: state.checkinRenderer,
      pane: "checkins",
      className: `visit-marker visit-${p.verdict} rep-${p.rep_id}`,
      radius: 8,
      color: colourOf(p.rep_id),
      weight: 3,
      fillColor: flagged ? "#e8590c" : "#2b8a3e",
      fillOpacity: 1,
    })
      .bindTooltip(`${escapeHtml(p.account_name)} · ${escapeHtml(p.rep_name)} · ${localTime(p.checked_in_at)}${flagged ? " ⚑ " + escapeHtml(p.flags.join(", ")) : ""}`)
      .on("click", () => showVisit(p))
      .addTo(state.layers.visits);
    layer.getElement?.()?.setAttribute("data-visit", p.visit_id);
    state.checkins.push({ latlng: L.latLng(lat, lon), layer });
  }
  spaceMarkers();
}

function spaceMarkers() {
  if (!state.map) return;
  declutter(state.map, [...state.stops, ...(state.checkins || [])]);
}

function showStop(p) {
  $("details").innerHTML = `<h3>${p.number}. ${escapeHtml(p.account_name)}</h3>
    <p>${escapeHtml(p.address || "")}</p>
    <dl><dt>Rep</dt><dd><i class="swatch rep" style="background:${colourOf(p.rep_id)}"></i>${escapeHtml(p.rep_name)}</dd><dt>ETA</dt><dd>${hhmm(p.eta_s)}</dd>
    <dt>Planned</dt><dd>${hhmm(p.start_s)}–${hhmm(p.end_s)}</dd>
    <dt>Opening window</dt><dd>${p.window ? `${hhmm(p.window[0])}–${hhmm(p.window[1])}` : "–"}</dd>
    <dt>Why planned</dt><dd>${escapeHtml(p.source)}</dd><dt>Visited</dt><dd>${p.visited ? "yes" : "no"}</dd></dl>`;
}

function showDue(p) {
  $("details").innerHTML = `<h3>${escapeHtml(p.account_name)}</h3><p>${escapeHtml(p.address || "")}</p>
    <dl><dt>Rep</dt><dd>${escapeHtml(p.rep_name)}</dd><dt>Not visited</dt><dd>${escapeHtml(p.cause)}${p.reason && p.reason !== p.cause ? ` (${escapeHtml(p.reason)})` : ""}</dd>
    <dt>Stop</dt><dd>${p.seq == null ? "not on the route (dropped by the planner)" : p.seq}</dd></dl>`;
}

// --- a visit: its checklist as questions and answers, its photos --------------------------------

async function template(id) {
  if (id == null) return null;
  if (!state.templates.has(id)) state.templates.set(id, getJSON(`/api/v1/checklist-templates/${id}`).catch(() => null));
  return state.templates.get(id);
}

/** Answers as stored: a list of {item, value, photo_ids} (the API), or an object keyed by item. */
function answersByItem(answers) {
  if (Array.isArray(answers)) return new Map(answers.map((a) => [a.item, a]));
  return new Map(Object.entries(answers || {}).map(([item, value]) => [item, { item, value }]));
}

function answerText(answer, item) {
  if (!answer) return '<span class="hint">not answered</span>';
  if (answer.photo_ids?.length) return `${answer.photo_ids.length} photo(s)`;
  const value = answer.value;
  if (value == null) return '<span class="hint">not answered</span>';
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (Array.isArray(value)) return escapeHtml(value.join(", "));
  if (item?.type === "share_of_shelf") return `${escapeHtml(value)} %`;
  return escapeHtml(value);
}

async function checklistHtml(checklist) {
  const tpl = await template(checklist.template_id);
  const answers = answersByItem(checklist.answers);
  const items = tpl?.items?.length ? tpl.items : [...answers.keys()].map((key) => ({ key, label: key }));
  const rows = items.map((item) => `<tr><th scope="row">${escapeHtml(item.label || item.key)}${item.required ? ' <abbr title="required">*</abbr>' : ""}</th>
      <td>${answerText(answers.get(item.key), item)}</td></tr>`).join("");
  const title = tpl?.name || checklist.template_name || checklist.template_code;
  return `<section class="checklist"><h4>${escapeHtml(title)} <small>v${checklist.template_version}</small>
    · score ${checklist.score_pct == null ? "–" : `${checklist.score_pct} %`}</h4>
    ${rows ? `<table class="answers"><thead><tr><th>Question</th><th>Answer</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="hint">This checklist has no questions.</p>'}</section>`;
}

async function showVisit(p) {
  const checklists = await Promise.all(p.checklists.map(checklistHtml));
  $("details").innerHTML = `<h3 class="visit-title">${escapeHtml(p.account_name)}</h3>
    <p>${escapeHtml(p.address || "")}</p>
    <dl><dt>Rep</dt><dd><i class="swatch rep" style="background:${colourOf(p.rep_id)}"></i>${escapeHtml(p.rep_name)}</dd>
    <dt>Check-in</dt><dd>${localTime(p.checked_in_at)}</dd><dt>Check-out</dt><dd>${localTime(p.checked_out_at)}</dd>
    <dt>Time on site</dt><dd>${p.duration_s == null ? "–" : Math.round(p.duration_s / 60) + " min"}</dd>
    <dt>Distance to outlet</dt><dd>${p.distance_m} m (±${Math.round(p.accuracy_m)} m)</dd>
    <dt>Verdict</dt><dd class="verdict-${p.verdict}">${p.verdict}</dd>
    <dt>Flags</dt><dd>${p.flags.length ? escapeHtml(p.flags.join(", ")) : "none"}</dd>
    <dt>Planned stop</dt><dd>${p.planned ? `yes (#${p.route_stop_seq})` : "no (off-plan)"}</dd></dl>
    ${checklists.join("") || "<p>No checklist.</p>"}
    <div class="photos" id="photos"></div>`;
  const holder = $("photos");
  for (const photo of p.photos) {
    try {
      const blob = await (await api(photo.thumbnail_url)).blob();
      const img = document.createElement("img");
      img.src = URL.createObjectURL(blob);
      img.alt = photo.item_key || "photo";
      img.title = `${photo.item_key || "photo"}${photo.flags.length ? ": " + photo.flags.join(", ") : ""} (click for full size)`;
      img.className = "thumbnail";
      img.tabIndex = 0;
      img.addEventListener("click", () => openPhoto(photo.id));
      holder.appendChild(img);
    } catch (_) { /* a missing thumbnail is not worth an error here */ }
  }
}

async function openPhoto(id) {
  const blob = await (await api(`/api/v1/photos/${id}`)).blob();
  const img = $("viewer-img");
  if (img.src) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(blob);
  $("viewer").hidden = false;
}

// --- playback: each rep moves along their real sequence of check-ins -----------------------------

const PLAYBACK_MS = 8000;

function stopPlayback() {
  if (state.playback) cancelAnimationFrame(state.playback.frame);
  state.playback = null;
  $("play").textContent = "▶ Play the day";
  $("clock").textContent = "";
  state.layers.playback?.clearLayers();
}

/** Where a rep is at time t: at a check-in while inside, on the straight line between two visits
 * while travelling, at home (or the first outlet) before the day starts. */
function positionAt(sequence, home, t) {
  const first = sequence[0];
  if (t <= first.inAt) {
    if (!home) return first.at;
    const share = Math.max(0, 1 - (first.inAt - t) / (20 * 60 * 1000));
    return L.latLng(home.lat + (first.at.lat - home.lat) * share, home.lng + (first.at.lng - home.lng) * share);
  }
  for (let i = 0; i < sequence.length; i += 1) {
    const here = sequence[i], next = sequence[i + 1];
    if (t <= here.outAt || !next) return here.at;
    if (t < next.inAt) {
      const share = (t - here.outAt) / Math.max(1, next.inAt - here.outAt);
      return L.latLng(here.at.lat + (next.at.lat - here.at.lat) * share, here.at.lng + (next.at.lng - here.at.lng) * share);
    }
  }
  return sequence[sequence.length - 1].at;
}

function play() {
  if (state.playback) {
    stopPlayback();
    drawVisits(state.visits);
    return;
  }
  if (!state.visits.length) return;
  const byRep = new Map();
  for (const f of state.visits) {
    const p = f.properties;
    const inAt = Date.parse(p.checked_in_at);
    const outAt = p.checked_out_at ? Date.parse(p.checked_out_at) : inAt + 15 * 60 * 1000;
    const [lon, lat] = f.geometry.coordinates;
    if (!byRep.has(p.rep_id)) byRep.set(p.rep_id, []);
    byRep.get(p.rep_id).push({ inAt, outAt, at: L.latLng(lat, lon) });
  }
  const starts = state.visits.map((f) => Date.parse(f.properties.checked_in_at));
  const begin = Math.min(...starts) - 20 * 60 * 1000;
  const end = Math.max(...[...byRep.values()].flat().map((v) => v.outAt));
  const movers = new Map();
  for (const [repId, sequence] of byRep) {
    const marker = L.circleMarker(positionAt(sequence, state.homes.get(repId), begin), {
      renderer: state.playbackRenderer, pane: "playback", className: `rep-position rep-${repId}`,
      radius: 10, color: "#fff", weight: 3, fillColor: colourOf(repId), fillOpacity: 1,
    }).bindTooltip(escapeHtml(nameOf(repId)), { permanent: false }).addTo(state.layers.playback);
    movers.set(repId, { marker, sequence, trail: L.polyline([], { renderer: state.playbackRenderer, pane: "playback", className: "rep-trail", color: colourOf(repId), weight: 2, dashArray: "4 4" }).addTo(state.layers.playback) });
  }
  const started = performance.now();
  $("play").textContent = "■ Stop";
  const frame = (now) => {
    const t = begin + ((end - begin) * Math.min(1, (now - started) / PLAYBACK_MS));
    for (const [repId, mover] of movers) {
      const at = positionAt(mover.sequence, state.homes.get(repId), t);
      mover.marker.setLatLng(at);
      mover.trail.addLatLng(at);
    }
    const arrived = state.visits.filter((f) => Date.parse(f.properties.checked_in_at) <= t).length;
    if (arrived !== state.playback.arrived) {  // redraw (and re-space) only when a check-in appears
      state.playback.arrived = arrived;
      drawVisits(state.visits.slice(0, arrived));
    }
    $("clock").textContent = localTime(new Date(t).toISOString());
    if (t >= end) {
      state.playback = null;
      $("play").textContent = "▶ Play the day";
      drawVisits(state.visits);
      return;
    }
    state.playback.frame = requestAnimationFrame(frame);
  };
  state.playback = { frame: requestAnimationFrame(frame), arrived: -1 };
}

// --- reports -----------------------------------------------------------------------------------

async function download(path, name) {
  const blob = await (await api(path)).blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 5000);
}

async function runReports() {
  const holder = $("reports");
  holder.innerHTML = "<p>loading…</p>";
  const form = {
    from: $("r-from").value, to: $("r-to").value, group: $("r-group").value,
    monthFrom: $("r-month-from").value, monthTo: $("r-month-to").value || $("r-month-from").value,
    salesGroup: $("r-sales-group").value,
  };
  const specs = SECTIONS.filter((spec) => !spec.needsMonth || form.monthFrom);
  const results = await Promise.all(specs.map(async (spec) => {
    const path = spec.path(form);
    try {
      return section(spec, await getJSON(path), path);
    } catch (error) {
      return `<section class="report-section" id="${spec.id}"><p class="error">${escapeHtml(error.message)}</p></section>`;
    }
  }));
  holder.innerHTML = results.join("") + (form.monthFrom ? "" : "<p class='hint'>Pick a sales month to see sales plan vs fact and seasonality.</p>");
}

// --- wiring ------------------------------------------------------------------------------------

function switchTab(name) {
  for (const button of document.querySelectorAll(".tab")) button.classList.toggle("active", button.dataset.tab === name);
  $("tab-map").hidden = name !== "map";
  $("tab-reports").hidden = name !== "reports";
  if (name === "map" && state.map) state.map.invalidateSize();
  if (name === "reports" && !$("r-from").value) {
    const end = $("day").value || today();
    const start = new Date(`${end}T12:00:00Z`);
    start.setUTCDate(start.getUTCDate() - 6);
    $("r-from").value = start.toISOString().slice(0, 10);
    $("r-to").value = end;
    $("r-month-from").value = end.slice(0, 7);
    runReports();
  }
}

async function boot() {
  setSignedOutHandler(() => {
    signOut();
    $("login-error").textContent = "your session has ended; sign in again";
  });
  $("login-form").addEventListener("submit", signIn);
  $("logout").addEventListener("click", signOut);
  $("show").addEventListener("click", showDay);
  $("day").addEventListener("change", showDay);
  $("rep").addEventListener("change", showDay);
  $("play").addEventListener("click", play);
  $("r-run").addEventListener("click", runReports);
  $("viewer-close").addEventListener("click", () => { $("viewer").hidden = true; });
  $("viewer").addEventListener("click", (event) => { if (event.target.id === "viewer") $("viewer").hidden = true; });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") $("viewer").hidden = true; });
  $("rep-legend").addEventListener("click", (event) => {
    const item = event.target.closest("[data-rep]");
    if (!item) return;
    $("rep").value = $("rep").value === item.dataset.rep ? "" : item.dataset.rep;
    showDay();
  });
  for (const button of document.querySelectorAll(".tab")) button.addEventListener("click", () => switchTab(button.dataset.tab));
  $("reports").addEventListener("click", (event) => {
    sortOnClick(event);
    const target = event.target.closest("[data-export]");
    if (target) download(target.dataset.export, target.dataset.name).catch((error) => alert(error.message));
  });
  window.addEventListener("resize", () => state.map?.invalidateSize());
  state.config = await (await fetch("/supervisor/config.json")).json();
  setTimeZone(state.config.time_zone);
  if (hasSession()) {
    try {
      await start();
    } catch (_) {
      signOut();
    }
  }
}

boot();
