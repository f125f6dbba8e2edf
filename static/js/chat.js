// Mediation chat page (docs/chat-protocol.md). Message text is only ever set with textContent.
// The server is the log: after every (re)connect the page syncs from the last seq it
// holds, and resends its unacknowledged messages with their client_msg_id (stored once).
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("chat-config").textContent);
  const t = cfg.text;
  const $ = (id) => document.getElementById(id);
  const log = $("chat-log"), input = $("chat-input"), sendButton = $("chat-send");
  const statusLine = $("chat-status"), typingLine = $("chat-typing"), errorLine = $("chat-error");

  let ws = null, lastSeq = 0, maxSeen = 0, syncing = false, writable = false, retry = 0;
  let lastTypingSent = 0, readSent = 0, typingTimer = null, stopped = false;
  const pending = new Map(); // client_msg_id -> body, until the server's message frame comes back
  const readBy = {}; // user id -> highest seq that user has read
  const online = new Set();

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }

  function setStatus(text, offline) {
    statusLine.textContent = text;
    statusLine.classList.toggle("offline", !!offline);
  }

  // --- connection --------------------------------------------------------------------------
  function connect() {
    setStatus(t.connecting, false);
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + cfg.ws);
    ws.onmessage = (event) => handle(JSON.parse(event.data));
    ws.onclose = (event) => {
      ws = null; syncing = false;
      setWritable(false);
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) {
        stopped = true;
        setStatus(t["closed" + event.code], true);
        return;
      }
      setStatus(t.offline, true);
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 300 * 2 ** retry * (0.5 + Math.random()));
    };
  }
  // Back from a dropped network or a sleeping phone: retry at once.
  window.addEventListener("online", () => { if (!ws && !stopped) connect(); });

  function handle(f) {
    // Calls (static/js/call.js): its frames, and each greeting (a reconnect ended any leg).
    if (f.type === "hello" || f.type === "call" || f.type.startsWith("call_") || f.type === "error") {
      document.dispatchEvent(new CustomEvent("chat:call", { detail: f }));
      if (f.type !== "hello" && f.type !== "error") return;
    }
    switch (f.type) {
      case "hello":
        retry = 0;
        setStatus(t.online, false);
        setWritable(f.writable);
        roomWritable(f.writable);
        maxSeen = Math.max(maxSeen, f.last_seq);
        sync();
        break;
      case "message": addMessage(f.message); break;
      case "synced":
        syncing = false;
        if (maxSeen > lastSeq) { sync(); break; } // something arrived while syncing
        for (const [id, body] of pending) send({ type: "send", body: body, client_msg_id: id });
        markRead();
        break;
      case "presence":
        online.clear(); f.online.forEach((id) => online.add(id)); renderPresence(); break;
      case "typing": showTyping(f.user); break;
      case "read":
        readBy[f.user.id] = Math.max(readBy[f.user.id] || 0, f.seq); renderReceipts(); break;
      case "error": showError(f); break;
    }
  }

  function sync() {
    if (!syncing && send({ type: "sync", after: lastSeq })) syncing = true;
  }

  // --- messages ----------------------------------------------------------------------------
  function addMessage(m) {
    maxSeen = Math.max(maxSeen, m.seq);
    if (m.seq <= lastSeq) return; // already shown
    if (m.seq > lastSeq + 1) { sync(); return; } // a gap: the sync brings it in order
    lastSeq = m.seq;
    const mine = m.author.id === cfg.me.id;
    let li = mine ? log.querySelector('[data-client="' + CSS.escape(m.client_msg_id) + '"]') : null;
    if (li) li.remove();
    pending.delete(m.client_msg_id);
    li = m.event ? renderEvent(m) : renderMessage(m.author, m.body, m.sent_at, mine, m.attachment);
    li.dataset.seq = m.seq;
    li.dataset.client = m.client_msg_id;
    const empty = log.querySelector(".empty");
    if (empty) empty.remove();
    // Unsent messages of mine stay last.
    log.insertBefore(li, log.querySelector(".pending"));
    renderReceipts();
    scrollDown();
    markRead();
  }

  function renderMessage(author, body, sentAt, mine, attachment) {
    const li = document.createElement("li");
    li.className = "chat-msg role-" + author.role + (mine ? " mine" : "");
    const meta = document.createElement("div");
    meta.className = "chat-meta";
    const who = document.createElement("strong");
    who.textContent = author.name;
    const role = document.createElement("span");
    role.textContent = t.roles[author.role] || author.role;
    const time = document.createElement("time");
    if (sentAt) {
      time.dateTime = sentAt;
      time.textContent = new Date(sentAt).toLocaleString([], { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
    }
    meta.append(who, role, time);
    const text = document.createElement("div");
    text.className = "chat-body";
    text.textContent = body;
    li.append(meta, text);
    if (attachment) li.append(renderVoice(author, attachment));
    if (mine) {
      const receipt = document.createElement("div");
      receipt.className = "chat-receipt";
      receipt.textContent = sentAt ? t.sent : t.sending;
      li.append(receipt);
    }
    return li;
  }

  // A call's start, join, leave or end (docs/chat-protocol.md, "Calls"): one short line.
  function renderEvent(m) {
    const li = document.createElement("li");
    li.className = "chat-event";
    const key = m.event.action === "start" ? "start:" + m.event.media : m.event.action;
    li.textContent = (t.callEvents[key] || m.body).replace("%(name)s", m.author.name);
    li.hidden = !li.textContent; // an event without a line of its own (e.g. a recording's)
    return li;
  }

  // A voice note (docs/chat-protocol.md, "Voice notes"): a player, labelled with who and how long.
  function renderVoice(author, attachment) {
    const audio = document.createElement("audio");
    audio.className = "chat-voice";
    audio.controls = true;
    audio.preload = "metadata";
    audio.src = attachment.url;
    const seconds = attachment.duration_ms ? Math.max(1, Math.round(attachment.duration_ms / 1000)) : null;
    audio.setAttribute("aria-label", (seconds ? t.voiceNoteSeconds.replace("%(seconds)s", seconds) : t.voiceNote)
      .replace("%(name)s", author.name));
    const link = document.createElement("a"); // for browsers that cannot play it
    link.href = attachment.url;
    link.textContent = t.voiceDownload;
    audio.append(link);
    return audio;
  }

  function renderReceipts() {
    const others = Object.keys(readBy).filter((id) => Number(id) !== cfg.me.id);
    const seen = Math.max(0, ...others.map((id) => readBy[id]));
    for (const li of log.querySelectorAll(".chat-msg.mine[data-seq]")) {
      li.querySelector(".chat-receipt").textContent = Number(li.dataset.seq) <= seen ? t.read : t.sent;
    }
  }

  // At most one read receipt a second (frames count against the connection's rate limit).
  let readTimer = null;
  function markRead() {
    if (readTimer) return;
    readTimer = setTimeout(() => {
      readTimer = null;
      if (document.visibilityState === "visible" && lastSeq > readSent && send({ type: "read", seq: lastSeq })) {
        readSent = lastSeq;
      }
    }, 1000);
  }
  document.addEventListener("visibilitychange", markRead);

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // --- presence and typing -----------------------------------------------------------------
  function renderPresence() {
    const list = $("chat-presence");
    list.replaceChildren();
    for (const [id, member] of Object.entries(cfg.members)) {
      const li = document.createElement("li");
      li.dataset.user = id;
      li.textContent = member.name + " · " + (t.roles[member.role] || member.role);
      li.classList.toggle("online", online.has(Number(id)));
      list.append(li);
    }
  }

  function showTyping(user) {
    typingLine.textContent = t.typing.replace("%(name)s", user.name);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typingLine.textContent = ""; }, 4000);
  }

  // --- composing ---------------------------------------------------------------------------
  function setWritable(value) {
    writable = value;
    input.disabled = sendButton.disabled = !value;
    const note = $("chat-readonly");
    note.hidden = value || !ws;
    note.textContent = t.readOnly;
  }

  // Whether the room takes messages, for voice.js: a voice note can be recorded and queued
  // while the connection is down, not once the room is read-only.
  function roomWritable(value) {
    document.dispatchEvent(new CustomEvent("chat:writable", { detail: value }));
  }

  function showError(f) {
    if (["stale_call", "call_live", "forbidden"].includes(f.code)) return; // call.js says it
    const messages = { too_long: t.tooLong, rate_limited: t.rateLimited, read_only: t.readOnly };
    errorLine.textContent = messages[f.code] || t.error;
    if (f.code === "read_only") { setWritable(false); roomWritable(false); }
    if (f.code === "rate_limited") setTimeout(() => { for (const [id, body] of pending) send({ type: "send", body: body, client_msg_id: id }); }, 1500);
  }

  function submit() {
    const body = input.value;
    if (!writable || !body.trim()) return;
    if (body.length > cfg.maxBody) { errorLine.textContent = t.tooLong; return; }
    errorLine.textContent = "";
    const id = newId();
    pending.set(id, body);
    const li = renderMessage(cfg.me, body, null, true);
    li.classList.add("pending");
    li.dataset.client = id;
    log.append(li);
    scrollDown();
    input.value = "";
    if (!syncing) send({ type: "send", body: body, client_msg_id: id }); // else sent once synced
  }

  $("chat-form").addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; the Enter that confirms an IME composition
    // (Chinese input: isComposing, or keyCode 229 in some browsers) never sends.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submit();
  });
  input.addEventListener("input", () => {
    const now = Date.now();
    if (writable && input.value && now - lastTypingSent > 3000 && send({ type: "typing" })) lastTypingSent = now;
  });

  // The socket for static/js/call.js: send a frame (false while disconnected).
  window.TiaojieChat = { send: send };

  // A voice note stored over HTTP (voice.js): shown like any message frame, in seq order.
  document.addEventListener("chat:message", (event) => addMessage(event.detail));

  const empty = document.createElement("li");
  empty.className = "empty";
  empty.textContent = t.empty;
  log.append(empty);
  renderPresence();
  connect();
})();
