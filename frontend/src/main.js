// The supervisor console: sign in, then draw the team's day on a Leaflet map from the GeoJSON API
// and show the plan-vs-fact reports with a chart each. Vanilla JS, bundled by esbuild.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./console.css";

const TOKEN_KEY = "fieldsales.token";
const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem(TOKEN_KEY), config: null, map: null, layers: {}, visits: [], timer: null };

// --- API ---------------------------------------------------------------------------------------

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401 && state.token) {
    signOut();
    throw new Error("your session has expired; sign in again");
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
const getJSON = async (path) => (await api(path)).json();

function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
const hhmm = (s) => (s == null ? "–" : `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}`);
const localTime = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone: state.config?.time_zone }) : "–");
const today = () => new Date().toLocaleDateString("sv-SE", { timeZone: state.config?.time_zone });

function setStatus(text, isError = false) {
  const el = $("status");
  el.textContent = text;
  el.className = isError ? "error" : "";
}

// --- sign in -----------------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const response = await fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: $("email").value, password: $("password").value }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || "sign-in failed");
    state.token = body.access_token;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    await start();
  } catch (error) {
    $("login-error").textContent = error.message;
  }
}

function signOut() {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("app-view").hidden = true;
  $("login-view").hidden = false;
}

async function start() {
  const me = await getJSON("/api/v1/me");
  if (me.role !== "supervisor" && me.role !== "admin") {
    signOut();
    $("login-error").textContent = "the console is for supervisors and admins";
    return;
  }
  $("who").textContent = `${me.name} (${me.role})`;
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  const params = new URLSearchParams(location.search);
  $("day").value = params.get("day") || today();
  const reps = await getJSON("/api/v1/supervision/reps");
  const select = $("rep");
  select.length = 1;
  for (const rep of reps.items) select.add(new Option(rep.name, String(rep.id)));
  if (params.get("rep")) select.value = params.get("rep");
  initMap();
  await Promise.all([loadBasemap(), loadTerritories()]);
  await showDay();
}

// --- map ---------------------------------------------------------------------------------------

const REP_COLOURS = ["#1f77b4", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#393b79", "#bcbd22", "#7f7f7f"];
const colourOf = (repId) => REP_COLOURS[Number(repId) % REP_COLOURS.length];

function initMap() {
  if (state.map) return;
  state.map = L.map("map", { preferCanvas: false, zoomControl: true, attributionControl: true });
  state.map.setView([60.168, 24.94], 14);
  if (state.config.tile_url) {
    L.tileLayer(state.config.tile_url, { attribution: state.config.tile_attribution, maxZoom: 19 }).addTo(state.map);
  }
  for (const name of ["basemap", "territories", "routes", "due", "stops", "visits"]) {
    state.layers[name] = L.layerGroup().addTo(state.map);
  }
}

async function loadBasemap() {
  if (state.config.tile_url) return;
  const streets = await getJSON("/api/v1/supervision/basemap.geojson");
  L.geoJSON(streets, {
    interactive: false,
    style: (f) => ({ className: "street", color: f.properties.drivable ? "#c9c9c9" : "#e2e2e2", weight: f.properties.drivable ? 3 : 1.5, opacity: 1 }),
  }).addTo(state.layers.basemap);
  state.map.attributionControl.addAttribution(escapeHtml(streets.attribution || state.config.basemap_attribution));
  if (streets.bbox) {
    const [w, s, e, n] = streets.bbox;
    state.map.fitBounds([[s, w], [n, e]]);
  }
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
  setStatus("loading…");
  try {
    const q = query();
    const [routes, visits, due] = await Promise.all([
      getJSON(`/api/v1/supervision/routes.geojson?${q}`),
      getJSON(`/api/v1/supervision/visits.geojson?${q}`),
      getJSON(`/api/v1/supervision/due.geojson?${q}`),
    ]);
    drawRoutes(routes);
    drawDue(due);
    state.visits = visits.features;
    drawVisits(state.visits);
    const lines = routes.features.filter((f) => f.properties.kind === "route").length;
    const flagged = visits.features.filter((f) => f.properties.verdict === "flagged").length;
    setStatus(`${lines} route(s), ${visits.features.length} check-in(s), ${flagged} flagged, ${due.features.length} due not visited`);
    const bounds = L.latLngBounds([]);
    for (const group of [state.layers.routes, state.layers.stops, state.layers.visits, state.layers.due]) {
      group.eachLayer((layer) => bounds.extend(layer.getBounds ? layer.getBounds() : layer.getLatLng()));
    }
    if (bounds.isValid()) state.map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17 });
  } catch (error) {
    setStatus(error.message, true);
  }
}

function drawRoutes(collection) {
  state.layers.routes.clearLayers();
  state.layers.stops.clearLayers();
  for (const f of collection.features) {
    const p = f.properties;
    const [lon, lat] = f.geometry.type === "Point" ? f.geometry.coordinates : [0, 0];
    if (p.kind === "route") {
      const latlngs = f.geometry.coordinates.map(([x, y]) => [y, x]);
      L.polyline(latlngs, { className: `route-line rep-${p.rep_id}`, color: colourOf(p.rep_id), weight: 4, opacity: 0.75 })
        .bindTooltip(`${escapeHtml(p.rep_name)}: ${p.stops} stops, ${(p.distance_m / 1000).toFixed(1)} km planned`, { sticky: true })
        .addTo(state.layers.routes);
    } else if (p.kind === "stop") {
      const icon = L.divIcon({
        className: `stop-marker${p.visited ? " stop-visited" : ""}`,
        html: `<span style="border-color:${colourOf(p.rep_id)}">${p.number}</span>`,
        iconSize: [24, 24],
        iconAnchor: [12, 12],
      });
      L.marker([lat, lon], { icon, title: `${p.number}. ${p.account_name}`, zIndexOffset: 100 })
        .on("click", () => showStop(p))
        .addTo(state.layers.stops);
    } else if (p.kind === "home") {
      L.circleMarker([lat, lon], { className: "home-marker", radius: 5, color: colourOf(p.rep_id), fillOpacity: 1 })
        .bindTooltip(`${escapeHtml(p.rep_name)}: start and end`)
        .addTo(state.layers.stops);
    }
  }
}

function drawDue(collection) {
  state.layers.due.clearLayers();
  for (const f of collection.features) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    L.circleMarker([lat, lon], { className: `due-marker due-${p.cause}`, radius: 9, color: "#7f7f7f", weight: 2, dashArray: "2 3", fillOpacity: 0 })
      .on("click", () => showDue(p))
      .addTo(state.layers.due);
  }
}

function drawVisits(features, upTo = Infinity) {
  state.layers.visits.clearLayers();
  features.forEach((f, index) => {
    if (index >= upTo) return;
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const flagged = p.verdict === "flagged";
    L.circleMarker([lat, lon], {
      className: `visit-marker visit-${p.verdict}`,
      radius: 7,
      color: "#fff",
      weight: 2,
      fillColor: flagged ? "#e8590c" : "#2b8a3e",
      fillOpacity: 0.95,
    })
      .bindTooltip(`${escapeHtml(p.account_name)} ${localTime(p.checked_in_at)}${flagged ? " ⚑ " + escapeHtml(p.flags.join(", ")) : ""}`)
      .on("click", () => showVisit(p))
      .addTo(state.layers.visits);
  });
}

function showStop(p) {
  $("details").innerHTML = `<h3>${p.number}. ${escapeHtml(p.account_name)}</h3>
    <p>${escapeHtml(p.address || "")}</p>
    <dl><dt>Rep</dt><dd>${escapeHtml(p.rep_name)}</dd><dt>ETA</dt><dd>${hhmm(p.eta_s)}</dd>
    <dt>Planned</dt><dd>${hhmm(p.start_s)}–${hhmm(p.end_s)}</dd>
    <dt>Window</dt><dd>${p.window ? `${hhmm(p.window[0])}–${hhmm(p.window[1])}` : "–"}</dd>
    <dt>Source</dt><dd>${escapeHtml(p.source)}</dd><dt>Visited</dt><dd>${p.visited ? "yes" : "no"}</dd></dl>`;
}

function showDue(p) {
  $("details").innerHTML = `<h3>${escapeHtml(p.account_name)}</h3><p>${escapeHtml(p.address || "")}</p>
    <dl><dt>Rep</dt><dd>${escapeHtml(p.rep_name)}</dd><dt>Not visited</dt><dd>${escapeHtml(p.cause)}${p.reason && p.reason !== p.cause ? ` (${escapeHtml(p.reason)})` : ""}</dd>
    <dt>Stop</dt><dd>${p.seq == null ? "not on the route (dropped by the planner)" : p.seq}</dd></dl>`;
}

async function showVisit(p) {
  const answers = p.checklists.map((c) => `<h4>${escapeHtml(c.template_code)} v${c.template_version} · score ${c.score_pct ?? "–"} %</h4>
      <table class="answers">${Object.entries(c.answers || {}).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(typeof v === "object" ? JSON.stringify(v) : v)}</td></tr>`).join("")}</table>`).join("");
  $("details").innerHTML = `<h3 class="visit-title">${escapeHtml(p.account_name)}</h3>
    <p>${escapeHtml(p.address || "")}</p>
    <dl><dt>Rep</dt><dd>${escapeHtml(p.rep_name)}</dd>
    <dt>Check-in</dt><dd>${localTime(p.checked_in_at)}</dd><dt>Check-out</dt><dd>${localTime(p.checked_out_at)}</dd>
    <dt>Time on site</dt><dd>${p.duration_s == null ? "–" : Math.round(p.duration_s / 60) + " min"}</dd>
    <dt>Distance to outlet</dt><dd>${p.distance_m} m (±${Math.round(p.accuracy_m)} m)</dd>
    <dt>Verdict</dt><dd class="verdict-${p.verdict}">${p.verdict}</dd>
    <dt>Flags</dt><dd>${p.flags.length ? escapeHtml(p.flags.join(", ")) : "none"}</dd>
    <dt>Planned stop</dt><dd>${p.planned ? `yes (#${p.route_stop_seq})` : "no (off-plan)"}</dd>
    <dt>Score</dt><dd>${p.score_pct ?? "–"}</dd></dl>
    ${answers || "<p>No checklist.</p>"}
    <div class="photos" id="photos"></div>`;
  const holder = $("photos");
  for (const photo of p.photos) {
    try {
      const blob = await (await api(photo.thumbnail_url)).blob();
      const img = document.createElement("img");
      img.src = URL.createObjectURL(blob);
      img.alt = photo.item_key || "photo";
      img.title = photo.flags.join(", ");
      holder.appendChild(img);
    } catch (_) { /* a missing thumbnail is not worth an error here */ }
  }
}

// --- playback of the day -----------------------------------------------------------------------

function stopPlayback() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
  $("play").textContent = "▶ Play the day";
  $("clock").textContent = "";
}

function play() {
  if (state.timer) {
    stopPlayback();
    drawVisits(state.visits);
    return;
  }
  const ordered = [...state.visits].sort((a, b) => a.properties.checked_in_at.localeCompare(b.properties.checked_in_at));
  let shown = 0;
  $("play").textContent = "■ Stop";
  drawVisits(ordered, 0);
  state.timer = setInterval(() => {
    shown += 1;
    drawVisits(ordered, shown);
    const current = ordered[shown - 1];
    $("clock").textContent = current ? `${localTime(current.properties.checked_in_at)} · ${current.properties.rep_name}` : "";
    if (shown >= ordered.length) {
      clearInterval(state.timer);
      state.timer = null;
      $("play").textContent = "▶ Play the day";
    }
  }, 700);
}

// --- reports -----------------------------------------------------------------------------------

function barChart(rows, series, { max = null, percent = false } = {}) {
  const width = 640, barH = 14, gap = 6, labelW = 170;
  const groupH = series.length * barH + gap * 2;
  const top = max ?? Math.max(1, ...rows.flatMap((r) => series.map((s) => Number(r[s.key]) || 0)));
  const height = rows.length * groupH + 24;
  let svg = `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">`;
  rows.forEach((row, i) => {
    const y = i * groupH + 4;
    svg += `<text x="0" y="${y + groupH / 2}" class="chart-label">${escapeHtml(String(row.label).slice(0, 24))}</text>`;
    series.forEach((s, j) => {
      const value = Number(row[s.key]) || 0;
      const w = Math.max(0, ((width - labelW - 60) * value) / top);
      svg += `<rect x="${labelW}" y="${y + j * barH}" width="${w}" height="${barH - 2}" fill="${s.colour}"><title>${escapeHtml(s.name)}: ${value}</title></rect>`;
      svg += `<text x="${labelW + w + 4}" y="${y + j * barH + barH - 4}" class="chart-value">${percent ? value.toFixed(1) + " %" : value}</text>`;
    });
  });
  svg += `<g class="chart-legend">${series.map((s, j) => `<rect x="${labelW + j * 130}" y="${height - 14}" width="10" height="10" fill="${s.colour}"/><text x="${labelW + j * 130 + 14}" y="${height - 5}">${escapeHtml(s.name)}</text>`).join("")}</g>`;
  return svg + "</svg>";
}

function table(rows, total) {
  const all = total ? [...rows, total] : rows;
  if (!all.length) return "<p>No data for this period.</p>";
  const columns = Object.keys(all[0]);
  const cell = (v) => (v == null ? "–" : typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : escapeHtml(v));
  return `<table class="report"><thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead>
    <tbody>${all.map((r) => `<tr${r === total ? ' class="total"' : ""}${r.below_plan ? ' class="below-plan"' : ""}>${columns.map((c) => `<td>${cell(r[c])}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

async function download(path, name) {
  const blob = await (await api(path)).blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 5000);
}

function reportSection(id, title, path, body) {
  return `<section class="report-section" id="${id}"><h2>${escapeHtml(title)}
    <button type="button" data-export="${escapeHtml(path)}&format=csv" data-name="${id}.csv">CSV</button>
    <button type="button" data-export="${escapeHtml(path)}&format=xlsx" data-name="${id}.xlsx">XLSX</button></h2>${body}</section>`;
}

async function runReports() {
  const holder = $("reports");
  holder.innerHTML = "<p>loading…</p>";
  const from = $("r-from").value, to = $("r-to").value;
  const visitsPath = `/api/v1/reports/visits?from=${from}&to=${to}&group_by=${$("r-group").value}`;
  const coveragePath = `/api/v1/reports/coverage?from=${from}&to=${to}`;
  const monthFrom = $("r-month-from").value, monthTo = $("r-month-to").value || monthFrom;
  const salesPath = `/api/v1/reports/sales?from=${monthFrom}&to=${monthTo}&group_by=${$("r-sales-group").value}`;
  const seasonPath = `/api/v1/reports/seasonality?from=${monthFrom}&to=${monthTo}`;
  try {
    const [visits, coverage, sales, season] = await Promise.all([
      getJSON(visitsPath), getJSON(coveragePath), monthFrom ? getJSON(salesPath) : null, monthFrom ? getJSON(seasonPath) : null,
    ]);
    let html = reportSection("visits-report", `Plan vs fact, ${visits.from_day} – ${visits.to_day}, by ${visits.group_by}`, visitsPath,
      barChart(visits.rows, [
        { key: "planned", name: "planned", colour: "#adb5bd" },
        { key: "done", name: "done", colour: "#2b8a3e" },
        { key: "missed", name: "missed", colour: "#e03131" },
        { key: "done_off_plan", name: "off-plan", colour: "#1971c2" },
      ]) + table(visits.rows, visits.total));
    html += reportSection("coverage-report", "Coverage funnel", coveragePath,
      barChart([...coverage.rows, coverage.total], [
        { key: "outlets", name: "all outlets", colour: "#ced4da" },
        { key: "potential", name: "potential", colour: "#74c0fc" },
        { key: "active", name: "active", colour: "#1971c2" },
        { key: "visited", name: "visited", colour: "#2b8a3e" },
      ]) + table(coverage.rows, coverage.total));
    if (sales) {
      html += reportSection("sales-report", `Sales plan vs fact ${sales.from_month} – ${sales.to_month} (below ${sales.below_plan_pct} % flagged)`, salesPath,
        barChart(sales.rows, [{ key: "completion_pct", name: "completion %", colour: "#f08c00" }], { percent: true }) +
        table(sales.rows, sales.total) +
        (sales.reps_below_plan.length ? `<p class="error">Below plan: ${sales.reps_below_plan.map((r) => escapeHtml(r.label)).join(", ")}</p>` : ""));
      html += reportSection("seasonality-report", "Seasonality coefficient per category", seasonPath,
        barChart(season.rows.map((r) => ({ ...r, label: r.category })), [{ key: "coefficient", name: "coefficient", colour: "#7048e8" }]) + table(season.rows));
    } else {
      html += "<p class='hint'>Pick a sales month to see sales plan vs fact and seasonality.</p>";
    }
    holder.innerHTML = html;
  } catch (error) {
    holder.innerHTML = `<p class="error">${escapeHtml(error.message)}</p>`;
  }
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
  $("login-form").addEventListener("submit", signIn);
  $("logout").addEventListener("click", signOut);
  $("show").addEventListener("click", showDay);
  $("play").addEventListener("click", play);
  $("r-run").addEventListener("click", runReports);
  for (const button of document.querySelectorAll(".tab")) button.addEventListener("click", () => switchTab(button.dataset.tab));
  $("reports").addEventListener("click", (event) => {
    const target = event.target.closest("[data-export]");
    if (target) download(target.dataset.export, target.dataset.name).catch((error) => alert(error.message));
  });
  state.config = await (await fetch("/supervisor/config.json")).json();
  if (state.token) {
    try {
      await start();
    } catch (_) {
      signOut();
    }
  }
}

boot();
