// Reports: labelled, sortable tables (names, percentages, minutes, km) and a chart per report.
// Every report of /api/v1/reports is {rows, total?}; SECTIONS lists them, so a new report (the
// commercial figures) is one more entry here.
import { escapeHtml, number, percent } from "./format.js";

const LABELS = {
  label: "Name", region: "Region", planned: "Planned stops", done: "Done", missed: "Missed",
  missed_not_visited: "Missed: not visited", missed_closed: "Missed: closed", missed_dropped_by_planner: "Missed: dropped by planner",
  done_off_plan: "Done off-plan", visits: "Visits", on_time_share: "On time", geofence_compliance: "Within geofence",
  avg_visit_s: "Average visit", travel_planned_s: "Travel planned", travel_planned_m: "Planned distance",
  travel_actual_m: "Actual distance", avg_checklist_score: "Average checklist score", outlets: "Outlets",
  potential: "Potential", active: "Active", visited: "Visited", visited_share_of_active: "Visited of active",
  plan: "Plan", actual: "Actual", completion_pct: "Completion", below_plan: "Below plan", category: "Category",
  coefficient: "Seasonality coefficient", years_used: "Years of history", reason: "Why no coefficient",
  plan_amount: "Plan (money)", fact_amount: "Fact (money)", plan_units: "Plan (units)", fact_units: "Fact (units)",
  units_completion_pct: "Completion (units)", order_amount: "From orders", imported_amount: "Imported actuals",
  orders: "Orders", lines: "Order lines", amount: "Amount", units: "Units", akb: "Active accounts (AKB)",
  average_check: "Average check", order_frequency: "Orders per account", lines_per_order: "Lines per order",
  breadth: "Cross-sell breadth",
  entered: "Entered", moved_on: "Moved on", conversion_pct: "Stage conversion", median_days: "Days in stage (median)",
  p80_days: "Days in stage (p80)", sales_role: "Sales role", rank: "Rank", main_figure: "Ranked by", main_value: "Value",
};
const FIGURE_NAMES = {
  leads_qualified: "leads qualified", leads_created: "leads created", deals_won: "deals won", retention_pct: "retention %",
};
const GROUP_LABELS = { stage: "Stage", person: "Person", rep: "Rep", territory: "Territory", region: "Region", channel: "Channel", day: "Day", category: "Category", month: "Month" };
const HIDDEN = new Set(["key"]);

const humanise = (name) => name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

/** How a column is shown: a share (0..1) as a percentage, seconds as minutes, metres as km. */
function kind(column) {
  if (column.endsWith("_share") || column.endsWith("_compliance") || column.endsWith("_share_of_active")) return "share";
  if (column.endsWith("_pct") || column === "avg_checklist_score") return "pct";
  if (column.endsWith("_s")) return "minutes";
  if (column.endsWith("_m")) return "km";
  return "plain";
}

function show(column, value) {
  if (value == null) return "–";
  switch (kind(column)) {
    case "share": return percent(value * 100);
    case "pct": return percent(value);
    case "minutes": return `${number(Math.round(value / 60))} min`;
    case "km": return `${number(value / 1000)} km`;
    default:
      if (typeof value === "boolean") return value ? "yes" : "no";
      return typeof value === "number" ? number(value) : escapeHtml(value);
  }
}

export function table(id, rows, total, groupBy) {
  const all = total ? [...rows, total] : rows;
  if (!all.length) return "<p>No data for this period.</p>";
  const columns = Object.keys(all[0]).filter((c) => !HIDDEN.has(c));
  const header = (c) => (c === "label" && groupBy ? GROUP_LABELS[groupBy] || humanise(groupBy) : LABELS[c] || humanise(c));
  const body = (list) => list.map((r) => `<tr${r === total ? ' class="total"' : r.below_plan ? ' class="below-plan"' : ""}>${
    columns.map((c) => `<td data-column="${c}">${show(c, r[c])}</td>`).join("")}</tr>`).join("");
  const holder = `<div class="table-scroll"><table class="report sortable" data-table="${id}"><thead><tr>${
    columns.map((c) => `<th scope="col" data-column="${c}" title="sort by ${escapeHtml(header(c))}">${escapeHtml(header(c))}</th>`).join("")
  }</tr></thead><tbody>${body(all)}</tbody></table></div>`;
  tables.set(id, { rows, total, render: body });
  return holder;
}

const tables = new Map();

/** Click on a column header: sort by it (again: reverse); the total row stays last. */
export function sortOnClick(event) {
  const th = event.target.closest("table.sortable th");
  if (!th) return;
  const tableEl = th.closest("table");
  const entry = tables.get(tableEl.dataset.table);
  if (!entry) return;
  const column = th.dataset.column;
  const descending = th.dataset.sorted === "asc";
  const sorted = [...entry.rows].sort((a, b) => {
    const x = a[column], y = b[column];
    if (x == null) return 1;
    if (y == null) return -1;
    const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return descending ? -order : order;
  });
  for (const cell of tableEl.querySelectorAll("th")) delete cell.dataset.sorted;
  th.dataset.sorted = descending ? "desc" : "asc";
  tableEl.querySelector("tbody").innerHTML = entry.render(entry.total ? [...sorted, entry.total] : sorted);
}

export function barChart(rows, series, { max = null, asPercent = false } = {}) {
  const width = 640, barH = 14, gap = 6, labelW = 170;
  const groupH = series.length * barH + gap * 2;
  const top = max ?? Math.max(1, ...rows.flatMap((r) => series.map((s) => Number(r[s.key]) || 0)));
  const height = rows.length * groupH + 24;
  let svg = `<svg class="chart" viewBox="0 0 ${width} ${height}" preserveAspectRatio="xMinYMin meet" role="img">`;
  rows.forEach((row, i) => {
    const y = i * groupH + 4;
    svg += `<text x="0" y="${y + groupH / 2}" class="chart-label">${escapeHtml(String(row.label).slice(0, 24))}</text>`;
    series.forEach((s, j) => {
      const value = Number(row[s.key]) || 0;
      const w = Math.max(0, ((width - labelW - 70) * value) / top);
      const text = asPercent ? percent(value) : number(value);
      svg += `<rect x="${labelW}" y="${y + j * barH}" width="${w}" height="${barH - 2}" fill="${s.colour}"><title>${escapeHtml(s.name)}: ${text}</title></rect>`;
      svg += `<text x="${labelW + w + 4}" y="${y + j * barH + barH - 4}" class="chart-value">${text}</text>`;
    });
  });
  svg += `<g class="chart-legend">${series.map((s, j) => `<rect x="${labelW + j * 120}" y="${height - 14}" width="10" height="10" fill="${s.colour}"/><text x="${labelW + j * 120 + 14}" y="${height - 5}">${escapeHtml(s.name)}</text>`).join("")}</g>`;
  return svg + "</svg>";
}

/** The funnel: per stage, deals that entered (grey) and moved on (green) with the stage conversion;
 * the key stage is drawn in orange and named. */
export function funnelChart(stages) {
  const width = 640, rowH = 34, labelW = 170, barW = width - labelW - 180;  // room for the counts and the conversion
  const top = Math.max(1, ...stages.map((s) => s.entered || 0));
  const height = stages.length * rowH + 24;
  let svg = `<svg class="chart funnel-chart" viewBox="0 0 ${width} ${height}" preserveAspectRatio="xMinYMin meet" role="img">`;
  stages.forEach((stage, i) => {
    const y = i * rowH + 4;
    const entered = (barW * (stage.entered || 0)) / top;
    const moved = (barW * (stage.moved_on || 0)) / top;
    const key = stage.is_key;
    const name = `${stage.stage_name}${key ? " (key stage)" : ""}`;
    svg += `<g class="funnel-stage${key ? " key-stage" : ""}" data-stage="${escapeHtml(stage.stage_code)}">`;
    svg += `<text x="0" y="${y + 16}" class="chart-label"${key ? ' font-weight="bold"' : ""}>${escapeHtml(name.slice(0, 28))}</text>`;
    svg += `<rect x="${labelW}" y="${y}" width="${entered}" height="12" fill="${key ? "#ffc078" : "#ced4da"}"><title>entered: ${number(stage.entered)}</title></rect>`;
    svg += `<rect x="${labelW}" y="${y + 13}" width="${moved}" height="12" fill="${key ? "#e8590c" : "#2b8a3e"}"><title>moved on: ${number(stage.moved_on)}</title></rect>`;
    const counts = stage.outcome === "open" ? `${number(stage.entered)} → ${number(stage.moved_on)}` : number(stage.entered);
    svg += `<text x="${labelW + Math.max(entered, moved) + 4}" y="${y + 16}" class="chart-value">${counts}</text>`;
    svg += `<text x="${width - 4}" y="${y + 16}" text-anchor="end" class="chart-value funnel-conversion">${stage.conversion_pct == null ? "" : percent(stage.conversion_pct)}</text>`;
    svg += "</g>";
  });
  svg += `<g class="chart-legend"><rect x="${labelW}" y="${height - 14}" width="10" height="10" fill="#ced4da"/><text x="${labelW + 14}" y="${height - 5}">entered</text>`
    + `<rect x="${labelW + 100}" y="${height - 14}" width="10" height="10" fill="#2b8a3e"/><text x="${labelW + 114}" y="${height - 5}">moved on</text>`
    + `<rect x="${labelW + 220}" y="${height - 14}" width="10" height="10" fill="#e8590c"/><text x="${labelW + 234}" y="${height - 5}">key stage</text>`
    + `<text x="${width - 4}" y="${height - 20}" text-anchor="end">conversion</text></g>`;
  return svg + "</svg>";
}

function funnelSummary(total) {
  const days = (value) => (value == null ? "–" : `${number(value)} d`);
  return `<p class="funnel-summary">Leads ${number(total.leads)} · cv1 (lead → qualified) ${percent(total.cv1_pct)}`
    + ` · cv2 (qualified → won) ${percent(total.cv2_pct)} · key stage conversion ${percent(total.key_conversion_pct)}`
    + ` · reached the key stage ${percent(total.key_reached_pct)} · cycle to won: median ${days(total.cycle_median_days)},`
    + ` p80 ${days(total.cycle_p80_days)}</p>`;
}

const ROLE_NAMES = { hunter: "Hunters", telemarketer: "Telemarketers", closer: "Closers", farmer: "Farmers", key_account_manager: "Key account managers" };

/** One bar chart per sales role: each person's main figure, in rank order. */
function leaderboardCharts(report) {
  const roles = [...new Set(report.rows.map((r) => r.sales_role))];
  return roles.map((role) => {
    const rows = report.rows.filter((r) => r.sales_role === role).map((r) => ({ label: `${r.rank}. ${r.label}`, value: r.main_value }));
    const figure = report.main_figures[role];
    const asPercent = figure.endsWith("_pct");
    return `<h3 class="leaderboard-role">${escapeHtml(ROLE_NAMES[role] || role)}: ${escapeHtml(FIGURE_NAMES[figure] || figure)}</h3>`
      + barChart(rows, [{ key: "value", name: FIGURE_NAMES[figure] || figure, colour: "#1971c2" }], asPercent ? { max: 100, asPercent } : {});
  }).join("");
}

/** The report sections: path from the form, title and chart from the answer. */
export const SECTIONS = [
  {
    id: "visits-report",
    path: (f) => `/api/v1/reports/visits?from=${f.from}&to=${f.to}&group_by=${f.group}`,
    title: (r) => `Plan vs fact, ${r.from_day} – ${r.to_day}`,
    chart: (r) => barChart(r.rows, [
      { key: "planned", name: "planned", colour: "#adb5bd" },
      { key: "done", name: "done", colour: "#2b8a3e" },
      { key: "missed", name: "missed", colour: "#e03131" },
      { key: "done_off_plan", name: "off-plan", colour: "#1971c2" },
    ]),
    groupBy: (r) => r.group_by,
  },
  {
    id: "coverage-report",
    path: (f) => `/api/v1/reports/coverage?from=${f.from}&to=${f.to}`,
    title: (r) => `Coverage funnel, ${r.from_day} – ${r.to_day}`,
    chart: (r) => barChart([...r.rows, r.total], [
      { key: "outlets", name: "all outlets", colour: "#ced4da" },
      { key: "potential", name: "potential", colour: "#74c0fc" },
      { key: "active", name: "active", colour: "#1971c2" },
      { key: "visited", name: "visited", colour: "#2b8a3e" },
    ]) + barChart([...r.rows, r.total], [{ key: "visited_pct", name: "visited of active", colour: "#2b8a3e" }], { max: 100, asPercent: true }),
    prepare: (r) => ({ ...r, rows: r.rows.map(withVisitedPct), total: withVisitedPct(r.total) }),
    groupBy: () => "territory",
  },
  {
    id: "sales-report",
    needsMonth: true,
    path: (f) => `/api/v1/reports/sales?from=${f.monthFrom}&to=${f.monthTo}&group_by=${f.salesGroup}`,
    title: (r) => `Sales plan vs fact ${r.from_month} – ${r.to_month} (under ${percent(r.below_plan_pct)} flagged)`,
    chart: (r) => barChart(r.rows, [{ key: "completion_pct", name: "completion", colour: "#f08c00" }], { asPercent: true }),
    after: (r) => (r.reps_below_plan?.length ? `<p class="error">Below plan: ${r.reps_below_plan.map((x) => escapeHtml(x.label)).join(", ")}</p>` : ""),
    groupBy: (r) => r.group_by,
  },
  {
    id: "commercial-plan-fact",
    needsMonth: true,
    path: (f) => `/api/v1/sales/plan-vs-fact?from=${f.monthFrom}&to=${f.monthTo}&group_by=${f.salesGroup}`,
    title: (r) => `Orders and sales: plan vs fact in money ${r.from_month} – ${r.to_month}`,
    chart: (r) => barChart(r.rows, [
      { key: "plan_amount", name: "plan", colour: "#adb5bd" },
      { key: "fact_amount", name: "fact", colour: "#2b8a3e" },
    ]),
    groupBy: (r) => r.group_by,
  },
  {
    id: "commercial-kpis",
    path: (f) => `/api/v1/sales/kpis?from=${f.from}&to=${f.to}&group_by=rep`,
    title: (r) => `Commercial figures per rep, ${r.from_day} – ${r.to_day}`,
    chart: (r) => barChart(r.rows, [{ key: "average_check", name: "average check", colour: "#1971c2" }]),
    groupBy: () => "rep",
  },
  {
    id: "pipeline-funnel",
    path: (f) => `/api/v1/reports/pipeline/funnel?from=${f.from}&to=${f.to}`,
    title: (r) => `Funnel: ${r.pipeline_name}, leads created ${r.from_day} – ${r.to_day}`,
    chart: (r) => funnelChart(r.rows),
    prepare: (r) => ({
      ...r,
      rows: r.rows.map((s) => ({
        label: s.is_key ? `${s.stage_name} (key stage)` : s.stage_name, entered: s.entered, moved_on: s.moved_on,
        conversion_pct: s.conversion_pct, median_days: s.median_days, p80_days: s.p80_days,
        stage_name: s.stage_name, stage_code: s.stage_code, is_key: s.is_key, outcome: s.outcome,
      })),
      total: null,
    }),
    hide: ["stage_name", "stage_code", "is_key", "outcome"],
    after: (r) => funnelSummary(r.total),
    groupBy: () => "stage",
  },
  {
    id: "pipeline-leaderboard",
    path: (f) => `/api/v1/reports/pipeline/leaderboard?from=${f.from}&to=${f.to}`,
    title: (r) => `Leaderboard per sales role, ${r.from_day} – ${r.to_day}`,
    chart: (r) => (r.rows.length ? leaderboardCharts(r) : ""),
    prepare: (r) => ({
      ...r,
      rows: r.rows.map((p) => ({
        label: p.name, sales_role: p.sales_role, rank: p.rank,
        main_figure: FIGURE_NAMES[p.main_figure] || p.main_figure, main_value: p.main_value,
      })),
      total: null,
    }),
    groupBy: () => "person",
  },
  {
    id: "seasonality-report",
    needsMonth: true,
    path: (f) => `/api/v1/reports/seasonality?from=${f.monthFrom}&to=${f.monthTo}`,
    title: () => "Seasonality coefficient per category",
    chart: (r) => barChart(r.rows.map((x) => ({ ...x, label: x.category })), [{ key: "coefficient", name: "coefficient", colour: "#7048e8" }]),
    groupBy: () => null,
  },
];

function withVisitedPct(row) {
  return row && { ...row, visited_pct: row.visited_share_of_active == null ? 0 : row.visited_share_of_active * 100 };
}

export function section(spec, report, path) {
  const shown = spec.prepare ? spec.prepare(report) : report;
  const hidden = new Set(["visited_pct", ...(spec.hide || [])]);  // chart-only figures stay out of the table
  const rows = shown.rows.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => !hidden.has(key))));
  const total = shown.total ? (({ visited_pct, ...rest }) => rest)(shown.total) : null;
  return `<section class="report-section" id="${spec.id}"><h2>${escapeHtml(spec.title(report))}
    <button type="button" data-export="${escapeHtml(path)}&format=csv" data-name="${spec.id}.csv">CSV</button>
    <button type="button" data-export="${escapeHtml(path)}&format=xlsx" data-name="${spec.id}.xlsx">XLSX</button></h2>
    ${spec.chart(shown)}${table(spec.id, rows, total, spec.groupBy(report))}${spec.after ? spec.after(report) : ""}</section>`;
}
