import PushBroker
import PushObservability
import PushTransport
/// The `/console` page: one self-contained HTML document (inline CSS and JS, nothing fetched from
/// elsewhere) with its own small WAMP v1 client over the browser's WebSocket. Data from the network
/// only ever reaches the DOM through `textContent`, so an event payload cannot inject markup.
/// Query options (documented in Docs/troubleshooting.md): `userId`, `authToken`, `url`, `topic`
/// (comma-separated), `autoconnect=1` (subscribe and connect at once, as `make run`'s link does).
enum ConsolePage {
    static let html: String = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>wamp-push console</title>
<style>
:root { --bg:#f5f6f8; --card:#fff; --ink:#1d2330; --muted:#667085; --line:#e3e6eb; --accent:#2f6fed;
        --ok:#14804a; --warn:#b25e09; --bad:#c0262d; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font-size:14px; }
header { display:flex; align-items:center; gap:16px; padding:12px 20px; background:#1d2330; color:#fff; }
header h1 { font-size:17px; margin:0; font-weight:600; }
#status { margin-left:auto; padding:4px 10px; border-radius:999px; background:#3a4254; font-size:13px; max-width:60%;
          overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
#status[data-state="open"] { background:var(--ok); }
#status[data-state="connecting"] { background:var(--warn); }
#status[data-state="closed"], #status[data-state="error"] { background:var(--bad); }
main { display:grid; grid-template-columns: 340px 1fr; gap:16px; padding:16px 20px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px; margin-bottom:16px; }
h2 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:0 0 10px; }
label { display:block; font-size:12px; color:var(--muted); margin:8px 0 3px; }
input { width:100%; padding:6px 8px; border:1px solid var(--line); border-radius:5px; font:inherit; }
.row { display:flex; gap:8px; margin-top:10px; }
.row input { flex:1; }
button { padding:6px 12px; border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:5px; font:inherit; cursor:pointer; }
button.secondary { background:#fff; color:var(--accent); }
button:disabled { opacity:.45; cursor:default; }
#topics { list-style:none; padding:0; margin:10px 0 0; display:flex; flex-wrap:wrap; gap:6px; }
#topics li { background:#eef3ff; border:1px solid #cddcfd; border-radius:999px; padding:2px 4px 2px 10px; display:flex; align-items:center; gap:4px; }
#topics li button { padding:0 6px; border:none; background:none; color:var(--muted); }
#stats { display:grid; grid-template-columns:1fr 1fr; gap:8px; margin:0; }
#stats div { border:1px solid var(--line); border-radius:6px; padding:8px; }
#stats dt { font-size:11px; color:var(--muted); }
#stats dd { margin:2px 0 0; font-size:20px; font-variant-numeric:tabular-nums; }
#stats-note { font-size:12px; color:var(--muted); margin-top:8px; }
.events-head { display:flex; align-items:center; gap:10px; }
.events-head h2 { margin:0; }
.events-head span { color:var(--muted); font-size:12px; margin-left:auto; }
#events { list-style:none; margin:10px 0 0; padding:0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12.5px; }
#events li { display:grid; grid-template-columns: 92px 180px 1fr; gap:10px; padding:6px 4px; border-top:1px solid var(--line); }
#events li:first-child { animation: flash 1.2s ease-out; }
@keyframes flash { from { background:#fff6d6; } to { background:transparent; } }
#events .time { color:var(--muted); }
#events .topic { color:var(--accent); overflow-wrap:anywhere; }
#events .payload { overflow-wrap:anywhere; white-space:pre-wrap; }
#events .summary { grid-column:3; font-weight:600; overflow-wrap:anywhere; }
#events .summary + .payload { grid-column:3; color:var(--muted); }
#empty { color:var(--muted); padding:16px 4px; }
@media (max-width: 800px) { main { grid-template-columns: 1fr; } #events li { grid-template-columns: 1fr; gap:2px; } #events .summary, #events .summary + .payload { grid-column:auto; } }
</style>
</head>
<body>
<header><h1>wamp-push console</h1><div id="status" data-testid="status" data-state="idle">Not connected</div></header>
<main>
<div>
  <section>
    <h2>Connection</h2>
    <label for="url">WebSocket URL</label><input id="url" spellcheck="false" autocomplete="off">
    <label for="user">User</label><input id="user" spellcheck="false" autocomplete="off">
    <label for="token">Token</label><input id="token" type="password" spellcheck="false" autocomplete="off">
    <div class="row"><button id="connect">Connect</button><button id="disconnect" class="secondary" disabled>Disconnect</button></div>
  </section>
  <section>
    <h2>Subscriptions</h2>
    <div class="row"><input id="topic" spellcheck="false" aria-label="Topic"><button id="subscribe">Subscribe</button></div>
    <ul id="topics" data-testid="topics"></ul>
  </section>
  <section>
    <h2>Server counters</h2>
    <dl id="stats">
      <div><dt>Connections</dt><dd id="stat-connections" data-testid="stat-connections">–</dd></div>
      <div><dt>Sessions</dt><dd id="stat-sessions" data-testid="stat-sessions">–</dd></div>
      <div><dt>Subscriptions</dt><dd id="stat-subscriptions" data-testid="stat-subscriptions">–</dd></div>
      <div><dt>Topics</dt><dd id="stat-topics" data-testid="stat-topics">–</dd></div>
      <div><dt>Events published</dt><dd id="stat-eventsPublished" data-testid="stat-eventsPublished">–</dd></div>
      <div><dt>Events delivered</dt><dd id="stat-eventsDelivered" data-testid="stat-eventsDelivered">–</dd></div>
    </dl>
    <div id="stats-note">Polled every 2 s from /console/stats.</div>
  </section>
</div>
<section>
  <div class="events-head"><h2>Events</h2><button id="clear" class="secondary">Clear</button><span id="count">0 received</span></div>
  <div id="empty">No events yet. Connect, subscribe, then publish (for example with <code>wamp-push publish</code>).</div>
  <ol id="events" data-testid="events"></ol>
</section>
</main>
<script>
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const query = new URLSearchParams(location.search);
  const MAX_ROWS = 500;
  let socket = null;
  let received = 0;
  const topics = new Set();

  $("url").value = query.get("url") || ((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/wss");
  $("user").value = query.get("userId") || "";
  $("token").value = query.get("authToken") || "";
  $("topic").value = (query.get("topic") || "WhatsApp").split(",")[0];
  // Keep the token out of the address bar and history once it is in the form.
  if (query.has("authToken")) {
    const clean = new URLSearchParams(query);
    clean.delete("authToken");
    const rest = clean.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
  }

  function setStatus(state, text) {
    const s = $("status");
    s.dataset.state = state;
    s.textContent = text;
    s.title = text;
  }

  function isOpen() { return socket !== null && socket.readyState === WebSocket.OPEN && socket.wampSession; }

  function refreshControls() {
    $("connect").disabled = socket !== null;
    $("disconnect").disabled = socket === null;
  }

  function renderTopics() {
    const list = $("topics");
    list.replaceChildren();
    for (const t of topics) {
      const li = document.createElement("li");
      li.dataset.testid = "topic";
      const name = document.createElement("span");
      name.textContent = t;
      const remove = document.createElement("button");
      remove.textContent = "\u00d7";
      remove.title = "Unsubscribe";
      remove.addEventListener("click", () => unsubscribe(t));
      li.append(name, remove);
      list.append(li);
    }
  }

  function send(message) { if (isOpen()) socket.send(JSON.stringify(message)); }

  function subscribe(topic) {
    topic = topic.trim();
    if (!topic || topics.has(topic)) return;
    topics.add(topic);
    send([5, topic]);
    renderTopics();
  }

  function unsubscribe(topic) {
    topics.delete(topic);
    send([6, topic]);
    renderTopics();
  }

  function describeClose(event) {
    const reason = event.reason ? " \u00b7 " + event.reason : "";
    const hints = {
      1000: "closed normally",
      1001: "server going away",
      1006: "no close frame: the upgrade was refused (401 wrong token, 403 revoked/expired) or a proxy dropped the Upgrade headers",
      1008: "policy violation",
      1011: "server error"
    };
    const hint = hints[event.code] ? " (" + hints[event.code] + ")" : "";
    return "Closed \u00b7 code " + event.code + reason + hint;
  }

  function connect() {
    if (socket !== null) return;
    let url;
    try { url = new URL($("url").value.trim()); } catch (e) { setStatus("error", "Invalid WebSocket URL"); return; }
    if (url.protocol !== "ws:" && url.protocol !== "wss:") { setStatus("error", "The URL must start with ws:// or wss://"); return; }
    url.searchParams.set("authToken", $("token").value.trim());
    url.searchParams.set("userId", $("user").value.trim());
    let ws;
    try { ws = new WebSocket(url.toString(), "wamp"); } catch (e) { setStatus("error", "Cannot open: " + e.message); return; }
    socket = ws;
    setStatus("connecting", "Connecting to " + url.host + "\u2026");
    refreshControls();
    ws.onmessage = (event) => onMessage(ws, event.data);
    ws.onclose = (event) => {
      if (socket === ws) socket = null;
      setStatus("closed", describeClose(event));
      refreshControls();
    };
    ws.onerror = () => {}; // onclose follows and carries the code
  }

  function disconnect() { if (socket !== null) socket.close(1000, "console disconnect"); }

  function onMessage(ws, data) {
    let message;
    try { message = JSON.parse(data); } catch (e) { return; }
    if (!Array.isArray(message)) return;
    switch (message[0]) {
      case 0: // WELCOME [0, sessionId, 1, serverIdent]
        ws.wampSession = String(message[1]);
        setStatus("open", "Connected \u00b7 " + String(message[3]) + " \u00b7 session " + ws.wampSession.slice(0, 8) + "\u2026");
        for (const t of topics) send([5, t]);
        setTimeout(pollStats, 300); // show our own session without waiting for the next poll
        break;
      case 8: // EVENT [8, topic, payload]
        addEvent(String(message[1]), message[2]);
        break;
      default:
        break;
    }
  }

  function two(n, width) { return String(n).padStart(width || 2, "0"); }

  // One line for a WhatsApp event (chat, direction, text) above the raw JSON, which carries the
  // body four times; the terminal client prints the same (EventSummary.swift).
  function summarize(p) {
    if (!p || typeof p !== "object") return "";
    const d = (p.data && typeof p.data === "object") ? p.data : {};
    const chat = String(p.chatId || d.chatId || "?");
    const text = String(d.body || "").replace(/\s+/g, " ");
    switch (p.action) {
      case "message":
        return "WhatsApp message, " + (d.fromMe === true ? "outgoing to " : "incoming from ") + chat + ": \u201c"
          + (text.length > 80 ? text.slice(0, 79) + "\u2026" : text) + "\u201d";
      case "message_ack": return "WhatsApp ack in " + chat + ": message " + String(d.id || "?") + " is " + String(d.status || "?");
      case "lifecycle": return "WhatsApp session " + String(d.sessionId || "?") + ": " + String(d.state || "?");
      default: return "";
    }
  }

  function addEvent(topic, payload) {
    const now = new Date();
    const li = document.createElement("li");
    li.dataset.testid = "event";
    const time = document.createElement("span");
    time.className = "time";
    time.textContent = two(now.getHours()) + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds()) + "." + two(now.getMilliseconds(), 3);
    const name = document.createElement("span");
    name.className = "topic";
    name.textContent = topic;
    const body = document.createElement("span");
    body.className = "payload";
    body.textContent = JSON.stringify(payload);
    const line = summarize(payload);
    if (line) {
      const summary = document.createElement("span");
      summary.className = "summary";
      summary.dataset.testid = "summary";
      summary.textContent = line;
      li.append(time, name, summary, body);
    } else {
      li.append(time, name, body);
    }
    const list = $("events");
    list.prepend(li);
    while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
    received += 1;
    $("count").textContent = received + " received";
    $("empty").hidden = true;
  }

  const STAT_KEYS = ["connections", "sessions", "subscriptions", "topics", "eventsPublished", "eventsDelivered"];
  async function pollStats() {
    try {
      const response = await fetch("/console/stats", { cache: "no-store" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const stats = await response.json();
      for (const key of STAT_KEYS) $("stat-" + key).textContent = String(stats[key] ?? "\u2013");
      $("stats-note").textContent = "Updated " + new Date().toLocaleTimeString() + " \u00b7 every 2 s from /console/stats";
    } catch (e) {
      $("stats-note").textContent = "Counters unavailable: " + e.message;
    }
  }

  $("connect").addEventListener("click", connect);
  $("disconnect").addEventListener("click", disconnect);
  $("subscribe").addEventListener("click", () => subscribe($("topic").value));
  $("topic").addEventListener("keydown", (e) => { if (e.key === "Enter") subscribe($("topic").value); });
  $("clear").addEventListener("click", () => { $("events").replaceChildren(); received = 0; $("count").textContent = "0 received"; $("empty").hidden = false; });

  if (query.get("autoconnect") === "1") {
    for (const t of (query.get("topic") || "WhatsApp").split(",")) subscribe(t);
    connect();
  }
  renderTopics();
  pollStats();
  setInterval(pollStats, 2000);
})();
</script>
</body>
</html>
"""#
}
