// The live page: occupancy and queues (EventSource on /v1/occupancy/stream), the event feed (EventSource on
// /v1/events/stream) and today's entries per hour (/v1/series, drawn as inline SVG). No library, no build.
"use strict";

const TOKEN_KEY = "camlytics-gateway-token";
const FEED_ROWS = 50;
const ENTRY_NAMES = ["enter"]; // the default GATEWAY_OCCUPANCY_RULES "in" names, for the chart
let token = sessionStorage.getItem(TOKEN_KEY) || "";
const locationNames = new Map();
const triggerNames = new Map();
const states = new Map();
const streams = [];
let chartTimer;

const $ = (id) => document.getElementById(id);
const status = (text) => { $("status").textContent = text; };
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
  children.forEach((c) => node.append(c));
  return node;
};

class NeedToken extends Error {}

async function api(path) {
  const answer = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (answer.status === 401) throw new NeedToken();
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error(`${path.split("?")[0]}: ${answer.status} ${body.msg || ""}`);
  return body;
}

function withToken(url) {
  return token ? `${url}${url.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(token)}` : url;
}

function askToken() {
  streams.splice(0).forEach((s) => s.close());
  $("login").hidden = false;
  status("a token is needed");
  $("token").focus();
}

$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  token = $("token").value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  $("login").hidden = true;
  start();
});
$("forget").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  token = "";
  askToken();
});

const time = (text) => (text ? new Date(text).toLocaleTimeString() : "–");
const locationName = (id) => locationNames.get(String(id)) || `location ${id}`;

function render(state) {
  states.set(state.location_id, state);
  const id = `location-${state.location_id}`;
  const zones = el("ul");
  state.zones.forEach((z) =>
    zones.append(el("li", {}, z.trigger_name || triggerNames.get(z.trigger_id) || z.trigger_id,
      el("span", {}, String(z.count)))));
  const card = el("article", { class: "card", id, "data-location": state.location_id },
    el("h3", {}, locationName(state.location_id)),
    el("div", { class: "occupancy", title: "entries minus exits since local midnight" }, String(state.occupancy)),
    el("div", { class: "flow" }, `in ${state.entries} · out ${state.exits}`),
    zones,
    el("div", { class: "meta" },
      `since ${new Date(state.since).toLocaleString(undefined, { timeZone: state.timezone })} (${state.timezone}) · ${state.events} events · updated ${time(state.updated_at)}`));
  const old = $(id);
  if (old) old.replaceWith(card); else $("locations").append(card);
  const select = $("chart-location");
  if (![...select.options].some((o) => o.value === String(state.location_id))) {
    select.append(el("option", { value: state.location_id }, locationName(state.location_id)));
    if (select.options.length === 1) drawChart();
  }
}

function feedRow(event) {
  const row = el("tr", {},
    el("td", {}, new Date(event.event_time.replace(" ", "T") + (event.event_time.includes("+") || event.event_time.endsWith("Z") ? "" : "Z")).toLocaleTimeString()),
    el("td", {}, locationName(event.location_id)),
    el("td", {}, event.event_type),
    el("td", {}, triggerNames.get(event.trigger_id) || event.trigger_id || "–"),
    el("td", {}, event.origin || "–"));
  const body = $("feed").tBodies[0];
  body.prepend(row);
  while (body.rows.length > FEED_ROWS) body.deleteRow(-1);
}

function openStream(url, onData, label) {
  const source = new EventSource(withToken(url));
  source.onmessage = (m) => { try { onData(JSON.parse(m.data)); } catch (e) { console.warn(label, e); } };
  source.addEventListener("cut-off", () => status(`${label}: cut off, resuming`));
  source.onopen = () => status("live");
  source.onerror = () => status(`${label}: reconnecting…`);
  streams.push(source);
}

/** Today's entries per hour from the mirror (`/v1/series`), or null while it does not hold today. */
async function seriesHours(state) {
  const query = new URLSearchParams({ bucket: "1h", since: state.since, tz: state.timezone,
    location_id: state.location_id, group_by: "trigger" });
  try {
    const answer = await api(`/v1/series?${query}`);
    const hours = new Map();
    answer.result.series.forEach((s) => s.points.forEach((p) => {
      const entry = ENTRY_NAMES.includes((triggerNames.get(s.group.trigger) || "").toLowerCase());
      hours.set(p.start, (hours.get(p.start) || 0) + (entry ? p.count : 0));
    }));
    return [...hours.entries()].sort().map(([start, count]) => [new Date(start), count]);
  } catch (e) {
    if (e instanceof NeedToken) throw e;
    return null;
  }
}

async function drawChart() {
  const chart = $("chart");
  const state = states.get(Number($("chart-location").value));
  if (!state) return;
  clearTimeout(chartTimer);
  chartTimer = setTimeout(drawChart, 60_000);
  let points = await seriesHours(state).catch(() => null);
  let source = "from the mirror (/v1/series)";
  if (!points || !points.length) {
    // The mirror syncs in the background and holds today only after a while: until then, the hours
    // occupancy counted from the same events, every hour since the reset (one without entries is a 0).
    const since = new Date(state.since).getTime();
    const hours = Math.min(25, Math.max(1, Math.floor((Date.now() - since) / 3_600_000) + 1,
      state.entries_per_hour.length));
    points = Array.from({ length: hours },
      (_, i) => [new Date(since + i * 3_600_000), state.entries_per_hour[i] || 0]);
    source = "from occupancy's count (the mirror does not hold today yet)";
  }
  const hourOf = (d) => d.toLocaleTimeString("en-GB", { hour: "2-digit", hourCycle: "h23", timeZone: state.timezone });
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const width = 25 * 30, height = 220, max = Math.max(1, ...points.map(([, c]) => c));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `entries per hour today, ${source}`);
  const add = (tag, attrs, text) => {
    const node = document.createElementNS(ns, tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  points.forEach(([start, count], i) => {
    const h = Math.round((count / max) * (height - 40));
    const bar = add("rect", { x: i * 30 + 4, y: height - 20 - h, width: 22, height: Math.max(h, 1) });
    const tip = document.createElementNS(ns, "title");
    tip.textContent = `${hourOf(start)}: ${count} entries`;
    bar.append(tip);
    add("text", { x: i * 30 + 6, y: height - 6 }, hourOf(start));
    if (count) add("text", { x: i * 30 + 6, y: height - 24 - h }, String(count));
  });
  chart.replaceChildren(svg, el("p", { class: "muted" }, `${state.entries} entries today, ${source}`));
}

async function start() {
  status("loading…");
  try {
    const [locations, triggers, occupancy] = await Promise.all([
      api("/service/api/v1/locations").catch((e) => { if (e instanceof NeedToken) throw e; return { result: [] }; }),
      api("/service/api/v1/triggers").catch((e) => { if (e instanceof NeedToken) throw e; return { result: [] }; }),
      api("/v1/occupancy"),
    ]);
    (locations.result || []).forEach((l) => locationNames.set(String(l.id), l.name));
    (triggers.result || []).forEach((t) => triggerNames.set(String(t.id), t.name));
    occupancy.locations.forEach(render);
  } catch (e) {
    if (e instanceof NeedToken) return askToken();
    status(e.message);
    return;
  }
  $("forget").hidden = !token;
  openStream("/v1/occupancy/stream", render, "occupancy");
  openStream("/v1/events/stream", feedRow, "events");
  status("live");
}

$("chart-location").addEventListener("change", drawChart);
start();
