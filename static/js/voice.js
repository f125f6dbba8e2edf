// Voice notes in the chat (docs/chat-protocol.md, "Voice notes"). A recording is kept in
// IndexedDB under its client_msg_id and uploaded with it until the server answers: a retry
// stores nothing new, so a dropped network or a reload loses nothing and sends nothing twice.
// The stored message comes back as a normal `message` (this answer, and the room's broadcast).
(function () {
  "use strict";
  const V = window.TiaojieVoice;
  const root = document.getElementById("voice");
  if (!root || !V) return;
  const cfg = JSON.parse(document.getElementById("voice-config").textContent);
  const t = cfg.text;
  const statusLine = document.getElementById("voice-status");
  const sendButton = root.querySelector("[data-voice-send]");
  const PERMANENT = [400, 403, 404, 409, 413, 415]; // the server will never take this one
  const prefix = "room-" + cfg.room + ":";
  const inFlight = new Set();
  let waiting = 0;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  function say(text) { statusLine.textContent = text; }

  async function upload(key, tries) {
    if (inFlight.has(key)) return;
    const item = await V.store.get(key);
    if (!item) return;
    inFlight.add(key);
    const form = new FormData();
    form.append("file", item.blob, "voice." + V.extension(item.type));
    form.append("client_msg_id", item.id);
    form.append("duration_ms", String(Math.round(item.ms)));
    let response = null;
    try {
      response = await fetch(cfg.url, {
        method: "POST", body: form, credentials: "same-origin",
        headers: { "X-CSRFToken": cfg.csrf, Accept: "application/json" },
      });
    } catch (err) { response = null; }
    inFlight.delete(key);
    if (response && (response.status === 201 || response.status === 200)) {
      const message = await response.json();
      await V.store.del(key);
      document.dispatchEvent(new CustomEvent("chat:message", { detail: message }));
      refresh(t.sent);
      return;
    }
    if (response && PERMANENT.indexOf(response.status) >= 0) {
      let detail = t.error;
      try { detail = (await response.json()).detail || detail; } catch (err) { /* not JSON */ }
      await V.store.del(key);
      refresh(detail);
      return;
    }
    // Offline, a server error, rate limited: try again, later each time.
    const next = Math.min(30000, 1000 * 2 ** Math.min(tries, 5));
    refresh(t.waiting);
    setTimeout(() => upload(key, tries + 1), next);
  }

  async function pendingKeys() {
    const keys = (await V.store.keys()) || [];
    return keys.filter((key) => String(key).indexOf(prefix) === 0);
  }

  async function refresh(text) {
    waiting = (await pendingKeys()).length;
    say(waiting ? text + " " + t.pending.replace("%(n)s", waiting) : text);
  }

  async function resendAll() {
    for (const key of await pendingKeys()) upload(key, 0);
  }

  const recorder = V.Recorder(root, {
    maxMs: cfg.maxMs,
    text: t,
    onReady: () => { say(t.ready); sendButton.focus(); },
    onError: (text) => say(text),
  });

  sendButton.addEventListener("click", async () => {
    if (!recorder.blob) return;
    const id = newId();
    const key = prefix + id;
    await V.store.put(key, { id: id, blob: recorder.blob, ms: recorder.ms, type: recorder.type });
    recorder.clear();
    say(t.sending);
    upload(key, 0);
  });

  document.addEventListener("chat:writable", (event) => recorder.setEnabled(event.detail));
  window.addEventListener("online", resendAll);
  recorder.setEnabled(false); // until the socket says the room is writable
  root.hidden = !V.supported();
  resendAll(); // recordings left from before a reload or a lost connection
})();
