// The reader-services inbox page. It uses only the JSON API under api/ (Bearer staff token, kept in
// sessionStorage); untrusted text is only ever set with textContent, and message HTML (already
// sanitised by the API) goes into a sandboxed frame without scripts whose policy blocks remote loads.
"use strict";

const POLL_MS = 3000;
const FRAME_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";
const QUEUE_NAMES = {
  human_review: "Human review", subscriptions: "Subscriptions", complaints: "Complaints", praise: "Praise",
  questions: "Questions", news_tips: "News tips", advertising: "Advertising", spam: "Spam",
};

const state = {
  token: null, me: null, queue: "human_review", items: [], cursor: null, current: null, detail: null,
  selected: new Set(), known: new Set(), pendingG: false, updates: 0,
};
window.planetmailInbox = state;

const $ = (id) => document.getElementById(id);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

// -- API -----------------------------------------------------------------------------------------

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${state.token}`, Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`api/${path}`, {
    method: options.method || "GET", headers, cache: "no-store",
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) signOut(body.detail || "Sign in again.");
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  return body;
}

function say(text) {
  $("status").textContent = text;
}

// -- sign in ---------------------------------------------------------------------------------------

function tokenFromFragment() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token") || fragment.get("access_token") || fragment.get("id_token");
  if (token) history.replaceState(null, "", window.location.pathname + window.location.search);
  return token;
}

function signOut(reason) {
  sessionStorage.removeItem("planetmail-inbox-token");
  state.token = null;
  $("app").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = reason || "";
  $("token").focus();
}

async function signIn(token) {
  state.token = token;
  try {
    state.me = await api("me");
  } catch (error) {
    signOut(error.message);
    return;
  }
  sessionStorage.setItem("planetmail-inbox-token", token);
  $("sign-in").hidden = true;
  $("app").hidden = false;
  $("who").textContent = `Signed in as ${state.me.user}`;
  showPermissions();
  fillCategorySelects();
  await refresh();
  window.setInterval(() => refresh().catch((error) => say(`Update failed: ${error.message}`)), POLL_MS);
  window.setInterval(tickClocks, 1000);
}

// A read-only caller (api/me can_act false) is offered no write action: the API would refuse it (403).
function showPermissions() {
  const readOnly = !state.me.can_act;
  for (const node of document.querySelectorAll("[data-write]")) node.hidden = readOnly;
  $("read-only").hidden = !readOnly;
  $("read-only").textContent = readOnly
    ? `Read only: you are not in the staff group "${state.me.agent_group}", so you may read but not act.`
    : "";
}

function mayAct() {
  if (state.me && state.me.can_act) return true;
  say(`Read only: acting needs the staff group "${state.me ? state.me.agent_group : ""}".`);
  return false;
}

function fillCategorySelects() {
  for (const id of ["reassign", "bulk-category"]) {
    const select = $(id);
    select.replaceChildren(...state.me.labels.map((label) => {
      const option = element("option", QUEUE_NAMES[label] || label);
      option.value = label;
      return option;
    }));
  }
}

// -- queues and list -------------------------------------------------------------------------------

async function refresh() {
  const [queues] = await Promise.all([api("queues"), loadList(false)]);
  renderQueues(queues.queues);
  state.updates += 1;
}

function listQuery(cursor) {
  const params = new URLSearchParams({ queue: state.queue, state: $("state-filter").value,
                                       order: $("order-filter").value, limit: "50" });
  if ($("language-filter").value) params.set("language", $("language-filter").value);
  if ($("search").value.trim()) params.set("q", $("search").value.trim());
  if (cursor) params.set("cursor", cursor);
  return `messages?${params}`;
}

async function loadList(more) {
  const page = await api(listQuery(more ? state.cursor : null));
  const fresh = page.items.filter((item) => !state.known.has(item.id));
  if (state.known.size && fresh.length && !more) say(`${fresh.length} new message(s) in ${QUEUE_NAMES[state.queue]}`);
  fresh.forEach((item) => state.known.add(item.id));
  state.items = more ? state.items.concat(page.items) : page.items;
  state.cursor = page.cursor;
  renderRows();
}

function renderQueues(queues) {
  const list = $("queue-list");
  list.replaceChildren(...queues.map((queue, index) => {
    const item = element("li");
    const button = element("button", "", queue.queue === state.queue ? "queue current" : "queue");
    button.type = "button";
    button.dataset.queue = queue.queue;
    if (queue.queue === state.queue) button.setAttribute("aria-current", "true");
    const open = queue.open;
    const count = element("span", `${open.total}`, "count");
    count.append(element("span", " open", "visually-hidden"));
    button.append(element("span", `${index + 1}. ${QUEUE_NAMES[queue.queue]}`, "name"), count,
                  element("span", `en ${open.en} · es ${open.es}`, "languages"));
    button.addEventListener("click", () => chooseQueue(queue.queue));
    item.append(button);
    return item;
  }));
}

function chooseQueue(queue) {
  state.queue = queue;
  state.known.clear();
  state.selected.clear();
  state.current = null;
  $("list-title").textContent = `Messages · ${QUEUE_NAMES[queue]}`;
  refresh().catch((error) => say(error.message));
}

function renderRows() {
  const rows = $("rows");
  rows.replaceChildren(...state.items.map(renderRow));
  $("empty").hidden = state.items.length > 0;
  $("more").hidden = !state.cursor;
  $("selected-count").textContent = `${state.selected.size} selected`;
  tickClocks();
}

function renderRow(item) {
  const row = element("tr", undefined, item.priority === "high" ? "high" : "");
  row.dataset.id = item.id;
  if (item.id === state.current) row.setAttribute("aria-current", "true");
  const select = element("input");
  select.type = "checkbox";
  select.checked = state.selected.has(item.id);
  select.disabled = !state.me.can_act;
  select.setAttribute("aria-label", `Select ${item.subject || "(no subject)"}`);
  select.addEventListener("change", () => toggleSelected(item.id, select.checked));
  const open = element("button", item.subject || "(no subject)", "subject");
  open.type = "button";
  open.addEventListener("click", () => openMessage(item.id));
  const subject = element("td");
  if (item.priority === "high") subject.append(element("strong", "High priority ", "priority"));
  subject.append(open, element("span", item.snippet || "", "snippet"));
  const received = element("td", "", "age");
  received.dataset.received = item.received_at;
  received.dataset.state = item.state;
  const cells = [cell(select), subject, element("td", item.sender_name || item.sender || ""), received,
                 element("td", ackText(item), ackClass(item)),
                 element("td", item.confidence === undefined ? "" : `${Math.round(item.confidence * 100)} %`)];
  row.append(...cells);
  return row;
}

function cell(child) {
  const td = element("td");
  td.append(child);
  return td;
}

// -- SLA clocks ------------------------------------------------------------------------------------

function seconds(from, to) {
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

function duration(total) {
  const s = Math.max(0, Math.round(total));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

function ackText(item) {
  if (!item.acknowledged_at) return item.category === "spam" ? "not acknowledged (spam)" : "waiting";
  const verb = item.ack_state === "acknowledged" ? "in" : `${item.ack_state}, after`;
  return `${verb} ${duration(seconds(item.received_at, item.acknowledged_at))}`;
}

function ackClass(item) {
  if (!item.acknowledged_at) return "sla";
  return seconds(item.received_at, item.acknowledged_at) > state.me.ack_sla_seconds ? "sla late" : "sla ok";
}

function tickClocks() {
  if (!state.me) return;
  const limit = state.me.response_sla_hours * 3600;
  for (const cellNode of document.querySelectorAll("td.age")) {
    const age = (Date.now() - Date.parse(cellNode.dataset.received)) / 1000;
    const overdue = cellNode.dataset.state === "open" && age > limit;
    cellNode.textContent = `${duration(age)} ago${overdue ? " · overdue" : ""}`;
    cellNode.classList.toggle("late", overdue);
  }
}

// -- message view ----------------------------------------------------------------------------------

async function openMessage(id) {
  state.current = id;
  for (const row of document.querySelectorAll("#rows tr")) {
    if (row.dataset.id === id) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
  }
  const detail = await api(`messages/${encodeURIComponent(id)}`);
  if (state.current !== id) return;
  state.detail = detail;
  renderMessage(detail);
}

function renderMessage(detail) {
  const email = detail.email;
  $("view-empty").hidden = true;
  $("view-body").hidden = false;
  $("view-body").dataset.id = detail.id;
  $("view-subject").textContent = email.subject || "(no subject)";
  const meta = [
    ["From", `${email.from.name ? `${email.from.name} ` : ""}<${email.from.address}>`],
    ["To", email.to.map((a) => a.address).join(", ")], ["Received", detail.received_at],
    ["Category", `${detail.category} (${detail.state})`],
    ["Model", `${detail.model_category || "?"} at ${Math.round((detail.confidence || 0) * 100)} % ` +
              `(model ${detail.model_version || "?"})`],
    ["Language", detail.language], ["Priority", detail.priority], ["Tracking id", detail.id],
    ["Acknowledgement", ackText(detail)],
  ];
  $("view-meta").replaceChildren(...meta.flatMap(([name, value]) => [element("dt", name), element("dd", value)]));
  renderSignals(detail.explanation);
  $("reassign").value = detail.category;
  $("body-text").textContent = email.text || "(no text part)";
  const frame = $("body-html");
  frame.srcdoc = email.html ? `<!doctype html><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${FRAME_POLICY}">${email.html}` : "";
  $("show-html").disabled = !email.html;
  showBody("text");
  const blocked = email.remote_images_blocked;
  $("remote-images").hidden = !blocked;
  $("remote-images").textContent = blocked ? `${blocked} remote image(s) blocked.` : "";
  $("attachments").replaceChildren(...attachmentItems(email));
  $("timeline").replaceChildren(...detail.timeline.map((step) =>
    element("li", `${step.at} · ${step.stage} ${step.state}${step.detail.by ? ` by ${step.detail.by}` : ""}`)));
  $("notes").replaceChildren(...(detail.notes || []).map((note) => element("li", `${note.by} (${note.at}): ${note.text}`)));
  $("headers").replaceChildren(...Object.entries(email.headers).flatMap(([name, value]) =>
    [element("dt", name), element("dd", value)]));
}

function renderSignals(explanation) {
  const signals = explanation ? explanation.signals : [];
  $("signals").hidden = !signals.length;
  $("signals-towards").textContent = !explanation ? "The model published no signals for this message." :
    signals.length ? `Strongest words for or against ${explanation.towards} (positive: for).` :
    `No words of this message weigh for or against ${explanation.towards}.`;
  $("signals-rows").replaceChildren(...signals.map((signal) => {
    const row = element("tr");
    row.append(element("td", signal.name), element("td", signal.weight > 0 ? `+${signal.weight}` : signal.weight));
    return row;
  }));
}

function attachmentItems(email) {
  const items = email.attachments.map((attachment) => {
    const item = element("li");
    const label = `${attachment.filename || "(unnamed)"} · ${attachment.content_type} · ${attachment.size} bytes`;
    if (attachment.url) {
      const link = element("a", label);
      link.href = attachment.url;
      link.rel = "noopener noreferrer";
      link.setAttribute("download", attachment.filename || "attachment");
      item.append(link);
    } else {
      item.textContent = label;
    }
    return item;
  });
  return items.length ? items : [element("li", "None")];
}

function showBody(kind) {
  $("body-text").hidden = kind !== "text";
  $("body-html").hidden = kind !== "html";
  $("show-text").setAttribute("aria-pressed", String(kind === "text"));
  $("show-html").setAttribute("aria-pressed", String(kind === "html"));
}

// -- actions ---------------------------------------------------------------------------------------

async function act(path, body, done) {
  if (!state.current || !mayAct()) return;
  const id = state.current;
  try {
    await api(`messages/${encodeURIComponent(id)}/${path}`, { method: "POST", body });
    say(done);
    const next = neighbour(id, 1) || neighbour(id, -1);
    await loadList(false);
    const stillListed = state.items.some((item) => item.id === id);
    await openMessage(stillListed ? id : (next || id));
  } catch (error) {
    say(`Not done: ${error.message}`);
  }
}

function neighbour(id, step) {
  const index = state.items.findIndex((item) => item.id === id);
  const next = state.items[index + step];
  return next ? next.id : null;
}

function reassign() {
  const category = $("reassign").value;
  return act("label", { category }, `Moved to ${QUEUE_NAMES[category]}.`);
}

async function bulk(action, category) {
  if (!mayAct()) return;
  const ids = [...state.selected];
  if (!ids.length) return say("Select messages first (x).");
  const { results } = await api("bulk", { method: "POST", body: { ids, action, category } });
  const failed = results.filter((result) => !result.ok);
  say(`${results.length - failed.length} done${failed.length ? `, ${failed.length} failed: ${failed[0].error}` : ""}.`);
  state.selected.clear();
  await refresh();
}

function toggleSelected(id, on) {
  if (on) state.selected.add(id);
  else state.selected.delete(id);
  $("selected-count").textContent = `${state.selected.size} selected`;
}

// -- keyboard --------------------------------------------------------------------------------------

function move(step) {
  if (!state.items.length) return;
  const index = state.items.findIndex((item) => item.id === state.current);
  const next = state.items[Math.min(state.items.length - 1, Math.max(0, index + step))];
  openMessage(next.id).then(() => {
    const row = document.querySelector(`#rows tr[data-id="${next.id}"] button.subject`);
    if (row) row.focus();
  });
}

const KEYS = {
  j: () => move(1), k: () => move(-1), e: () => act("handled", undefined, "Marked handled."),
  "#": () => act("spam", undefined, "Marked spam."), u: () => act("not-spam", undefined, "Back in human review."),
  l: () => mayAct() && $("reassign").focus(), n: () => mayAct() && $("note-text").focus(),
  "/": () => $("search").focus(),
  x: () => {
    if (!state.current || !mayAct()) return;
    toggleSelected(state.current, !state.selected.has(state.current));
    renderRows();
  },
  "?": () => toggleHelp(),
};

function onKey(event) {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey || !state.me) return;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) {
    if (event.key === "Escape") target.blur();
    return;
  }
  if (state.pendingG && /^[1-8]$/.test(event.key)) {
    state.pendingG = false;
    chooseQueue(state.me.queues[Number(event.key) - 1]);
    event.preventDefault();
    return;
  }
  state.pendingG = event.key === "g";
  const action = KEYS[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
}

function toggleHelp() {
  const help = $("help");
  help.hidden = !help.hidden;
  $("help-button").setAttribute("aria-expanded", String(!help.hidden));
}

// -- wiring ----------------------------------------------------------------------------------------

function wire() {
  document.addEventListener("keydown", onKey);
  $("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn($("token").value.trim());
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.known.clear();
    loadList(false).catch((error) => say(error.message));
  });
  for (const id of ["state-filter", "language-filter", "order-filter"]) {
    $(id).addEventListener("change", () => chooseQueue(state.queue));
  }
  $("more").addEventListener("click", () => loadList(true).catch((error) => say(error.message)));
  $("do-reassign").addEventListener("click", reassign);
  $("reassign").addEventListener("keydown", (event) => {
    if (event.key === "Enter") reassign();
  });
  $("do-handled").addEventListener("click", () => act("handled", undefined, "Marked handled."));
  $("do-spam").addEventListener("click", () => act("spam", undefined, "Marked spam."));
  $("do-not-spam").addEventListener("click", () => act("not-spam", undefined, "Back in human review."));
  $("do-reopen").addEventListener("click", () => act("reopen", undefined, "Reopened."));
  $("show-text").addEventListener("click", () => showBody("text"));
  $("show-html").addEventListener("click", () => showBody("html"));
  $("help-button").addEventListener("click", toggleHelp);
  $("bulk-handled").addEventListener("click", () => bulk("handled"));
  $("bulk-spam").addEventListener("click", () => bulk("spam"));
  $("bulk-move").addEventListener("click", () => bulk("label", $("bulk-category").value));
  $("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("note-text").value.trim();
    if (!text) return;
    await act("notes", { text }, "Note added.");
    $("note-text").value = "";
  });
}

wire();
const saved = tokenFromFragment() || sessionStorage.getItem("planetmail-inbox-token");
if (saved) signIn(saved);
else signOut("");
