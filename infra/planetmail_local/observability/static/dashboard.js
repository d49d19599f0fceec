// planetmail dashboard: polls the JSON API every few seconds and redraws the charts in place.
// Every value from mail goes through textContent (never innerHTML): subjects are untrusted input.
"use strict";

const REFRESH_MS = 3000;
const STATE_COLOURS = {
  received: "#58a6ff", classified: "#bc8cff", acknowledged: "#3fb950", suppressed: "#d29922", failed: "#f85149",
};
const PALETTE = ["#58a6ff", "#3fb950", "#bc8cff", "#d29922", "#f85149", "#39c5cf", "#ff7b72", "#a5d6ff", "#8b949e"];
const dashboard = { updates: 0, selected: null, charts: {}, last: null };
window.planetmailDashboard = dashboard;

Chart.defaults.color = "#8a9bab";
Chart.defaults.borderColor = "#263544";
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

function clock(epochSeconds) {
  return new Date(epochSeconds * 1000).toLocaleTimeString([], { hour12: false });
}

function seconds(value) {
  if (value === null || value === undefined) return "–";
  return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(value < 10 ? 2 : 0)} s`;
}

function lineChart(id, yOptions) {
  return new Chart(document.getElementById(id), {
    type: "line",
    data: { labels: [], datasets: [] },
    options: {
      spanGaps: true, elements: { point: { radius: 0 }, line: { borderWidth: 2, tension: 0.2 } },
      interaction: { mode: "index", intersect: false },
      scales: { x: { ticks: { maxTicksLimit: 8, maxRotation: 0 } }, y: yOptions },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 10 } } },
    },
  });
}

function barChart(id, horizontal, stacked) {
  return new Chart(document.getElementById(id), {
    type: "bar",
    data: { labels: [], datasets: [] },
    options: {
      indexAxis: horizontal ? "y" : "x",
      scales: { x: { stacked, beginAtZero: true }, y: { stacked, beginAtZero: true } },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 10 } } },
    },
  });
}

function createCharts() {
  dashboard.charts.throughput = lineChart("chart-throughput", { beginAtZero: true });
  dashboard.charts.latency = lineChart("chart-latency", { type: "logarithmic", title: { display: true, text: "seconds" } });
  dashboard.charts.category = barChart("chart-category", true, false);
  dashboard.charts.mix = barChart("chart-mix", true, true);
  dashboard.charts.lag = barChart("chart-lag", true, false);
  dashboard.charts.reasons = barChart("chart-reasons", true, false);
}

function setData(chart, labels, datasets) {
  chart.data.labels = labels;
  chart.data.datasets = datasets;
  chart.update("none");
}

// The server sends the whole look-back window; start the x axis near the first bucket with any mail
// (keeping at least MIN_BUCKETS) so a fresh pipeline does not draw fifteen minutes of zeros.
const MIN_BUCKETS = 40;

function firstUsefulBucket(series) {
  const busy = series.t.findIndex((_, i) => Object.values(series.throughput).some((values) => values[i] > 0));
  const first = busy < 0 ? series.t.length : busy;
  return Math.max(0, Math.min(first, series.t.length - MIN_BUCKETS));
}

function drawThroughput(series) {
  const start = firstUsefulBucket(series);
  const labels = series.t.slice(start).map(clock);
  const datasets = Object.entries(series.throughput).map(([state, values]) => ({
    label: state, data: values.slice(start), borderColor: STATE_COLOURS[state], backgroundColor: STATE_COLOURS[state],
  }));
  setData(dashboard.charts.throughput, labels, datasets);
}

function drawLatency(series) {
  const start = firstUsefulBucket(series);
  const labels = series.t.slice(start).map(clock);
  const colours = { p50: "#3fb950", p95: "#d29922", p99: "#f85149" };
  const datasets = Object.entries(series.latency).map(([key, values]) => ({
    label: key, data: values.slice(start), borderColor: colours[key], backgroundColor: colours[key],
  }));
  datasets.push({
    label: `SLA ${series.sla_seconds} s`, data: labels.map(() => series.sla_seconds),
    borderColor: "#ff7b72", borderDash: [6, 4], borderWidth: 1, backgroundColor: "#ff7b72",
  });
  setData(dashboard.charts.latency, labels, datasets);
}

function sortedEntries(counts) {
  return Object.entries(counts || {}).sort((a, b) => b[1] - a[1]);
}

function drawCategory(mix) {
  const entries = sortedEntries(mix.category);
  setData(dashboard.charts.category, entries.map((e) => e[0]), [{
    label: "classified", data: entries.map((e) => e[1]), backgroundColor: entries.map((_, i) => PALETTE[i % PALETTE.length]),
  }]);
}

function drawMix(mix) {
  // One stacked bar per dimension; each value is its own dataset so the legend names it.
  const dimensions = ["language", "priority", "provider"];
  const datasets = [];
  dimensions.forEach((dimension) => {
    sortedEntries(mix[dimension]).forEach(([value, count]) => {
      const data = dimensions.map((d) => (d === dimension ? count : 0));
      datasets.push({ label: value, data, backgroundColor: PALETTE[datasets.length % PALETTE.length] });
    });
  });
  setData(dashboard.charts.mix, dimensions, datasets);
}

function drawLag(snapshot) {
  const rows = snapshot.lag.map((e) => [[e.group, `← ${e.topic}`], e.lag, null]);
  Object.entries(snapshot.emulator.mappings).forEach(([name, m]) => rows.push([name, m.lag, m.pollers]));
  const datasets = [{ label: "lag (records)", data: rows.map((r) => r[1]), backgroundColor: "#58a6ff" }];
  if (rows.some((r) => r[2] !== null)) {
    datasets.push({ label: "pollers", data: rows.map((r) => r[2]), backgroundColor: "#bc8cff" });
  }
  setData(dashboard.charts.lag, rows.map((r) => r[0]), datasets);
}

function drawReasons(pipeline) {
  const failures = sortedEntries(pipeline.failures);
  const suppressions = sortedEntries(pipeline.suppressions);
  const labels = [...failures.map((e) => e[0].split(": ")), ...suppressions.map((e) => e[0])];
  setData(dashboard.charts.reasons, labels, [
    { label: "failed", data: [...failures.map((e) => e[1]), ...suppressions.map(() => 0)], backgroundColor: "#f85149" },
    { label: "suppressed", data: [...failures.map(() => 0), ...suppressions.map((e) => e[1])], backgroundColor: "#d29922" },
  ]);
}

function setText(id, text, className) {
  const element = document.getElementById(id);
  element.textContent = text;
  if (className !== undefined) element.className = className;
}

function drawKpis(pipeline) {
  const totals = pipeline.totals;
  setText("kpi-received", pipeline.rates.received.toFixed(2));
  setText("kpi-received-total", `${totals.received || 0} in window`);
  setText("kpi-acknowledged", pipeline.rates.acknowledged.toFixed(2));
  setText("kpi-acknowledged-total", `${totals.acknowledged || 0} in window`);
  setText("kpi-p95", seconds(pipeline.latency.p95));
  setText("kpi-p50", `p50 ${seconds(pipeline.latency.p50)} · p99 ${seconds(pipeline.latency.p99)}`);
  const sla = pipeline.sla;
  const compliance = sla.compliance === null ? "–" : `${(100 * sla.compliance).toFixed(1)} %`;
  setText("kpi-sla", compliance, sla.compliance === null ? "" : sla.compliance >= 0.99 ? "ok" : "bad");
  setText("kpi-sla-seconds", `within ${sla.sla_seconds} s`);
  setText("kpi-overdue", String(sla.open_over_sla), sla.open_over_sla > 0 ? "bad" : "ok");
  setText("kpi-open", `${sla.open} open · ${sla.breaches} breaches`);
  setText("kpi-failed", `${totals.failed || 0} · ${totals.suppressed || 0}`);
  setText("kpi-breaches", `${pipeline.events} events seen`);
}

function drawFunctions(functions) {
  const names = Object.keys(functions).sort();
  if (names.length === 0) return;
  const body = document.querySelector("#functions tbody");
  body.replaceChildren(...names.map((name) => {
    const f = functions[name];
    const count = (prefix) => Object.entries(f.invocations).filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);
    const errors = Object.entries(f.invocations).filter(([k]) => k.endsWith(":error")).reduce((s, [, v]) => s + v, 0);
    return row([name, count("cold"), count("warm"), errors, seconds(f.duration.p50), seconds(f.duration.p95)]);
  }));
}

function drawStages(stages) {
  const body = document.querySelector("#stages tbody");
  body.replaceChildren(...Object.entries(stages).map(([stage, s]) => row([stage, s.count, seconds(s.p50), seconds(s.p95), seconds(s.p99)])));
}

function row(cells) {
  const tr = document.createElement("tr");
  cells.forEach((value) => {
    const td = document.createElement("td");
    td.textContent = value === undefined || value === null ? "–" : String(value);
    tr.appendChild(td);
  });
  return tr;
}

function drawRecent(messages) {
  const body = document.querySelector("#recent tbody");
  body.replaceChildren(...messages.map((m) => {
    const at = m.received_at ? new Date(m.received_at).toLocaleTimeString([], { hour12: false }) : "–";
    const tr = row([at, m.id, m.provider, m.category, m.language, m.priority, m.state, seconds(m.latency_seconds)]);
    tr.dataset.id = m.id;
    tr.children[6].className = `state-${m.state}`;
    if (m.id === dashboard.selected) tr.classList.add("selected");
    tr.addEventListener("click", () => showMessage(m.id));
    return tr;
  }));
}

async function showMessage(id) {
  dashboard.selected = id;
  document.querySelectorAll("#recent tbody tr").forEach((tr) => tr.classList.toggle("selected", tr.dataset.id === id));
  const response = await fetch(`api/messages/${encodeURIComponent(id)}`);
  const document_ = await response.json();
  setText("detail-id", id, "");
  const timeline = document.getElementById("detail-timeline");
  if (!response.ok) {
    timeline.replaceChildren();
    setText("detail-record", document_.detail || response.statusText);
    return;
  }
  timeline.replaceChildren(...document_.timeline.map((step) => {
    const li = document.createElement("li");
    const when = new Date(step.at).toLocaleTimeString([], { hour12: false });
    li.textContent = `${when}  ${step.stage} · ${step.state}${step.error ? ` — ${step.error}` : ""}`;
    return li;
  }));
  setText("detail-record", JSON.stringify(document_, null, 2));
}

async function refresh() {
  try {
    const [metrics, recent] = await Promise.all([
      fetch("api/metrics").then((r) => r.json()),
      fetch("api/messages/recent?limit=25").then((r) => r.json()),
    ]);
    const pipeline = metrics.pipeline;
    drawKpis(pipeline);
    drawThroughput(pipeline.series);
    drawLatency(pipeline.series);
    drawCategory(pipeline.mix);
    drawMix(pipeline.mix);
    drawLag(metrics);
    drawReasons(pipeline);
    drawFunctions(metrics.emulator.functions);
    drawStages(pipeline.stage_latency);
    drawRecent(recent);
    dashboard.updates += 1;
    dashboard.last = metrics;
    setText("feed-status", metrics.feed.caught_up ? "live" : "catching up", `pill ${metrics.feed.caught_up ? "live" : ""}`);
    setText("updated-at", `updated ${new Date().toLocaleTimeString([], { hour12: false })}`);
  } catch (error) {
    setText("feed-status", "dashboard unreachable", "pill stale");
  }
}

createCharts();
refresh();
setInterval(refresh, REFRESH_MS);
