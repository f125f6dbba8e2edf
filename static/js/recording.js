// Call recordings (docs/features/calls.md). Listens for the calls module's `tiaojie:call`
// event ({call, room, state, localStream, remoteStreams(), isMediator}); shows every member a
// consent toggle; lets the mediator record once everyone agreed. Each 2-second chunk is kept in
// IndexedDB (TiaojieVoice.store, static/js/recorder.js) before it is uploaded in order, so a
// closed tab or a dropped connection loses nothing: after a reload the upload resumes at the
// server's offset, and on stop it completes with the SHA-256 of the bytes computed here.
(function () {
  "use strict";
  const V = window.TiaojieVoice;
  const cfgNode = document.getElementById("recording-config");
  if (!V || !cfgNode) return;
  const cfg = JSON.parse(cfgNode.textContent);
  const t = cfg.text;
  const PREFIX = "recording:";
  const SLICE_MS = 2000;
  let current = null; // {call, room, state, localStream, remoteStreams, isMediator}
  let ui = null;
  let session = null; // the mediator's recording: {id, recorder, audio}
  let poller = null;
  const uploading = new Set();
  // Bumped by every consent the member gives here, so a status fetched before it cannot undo
  // the checkbox the member just ticked.
  let consentVersion = 0;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, (m, k) => String(values[k])).replace("%%", "%");
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  async function api(method, url, body, raw) {
    const headers = { "X-CSRFToken": cfg.csrf, Accept: "application/json" };
    let payload = body;
    if (raw) headers["Content-Type"] = "application/octet-stream";
    else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    const response = await fetch(url, { method: method, headers: headers, body: payload, credentials: "same-origin" });
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    return { status: response.status, data: data || {} };
  }

  // --- the controls -----------------------------------------------------------------------------
  function build() {
    if (ui) return ui;
    const box = document.createElement("section");
    box.className = "call-recording";
    box.id = "call-recording";
    box.setAttribute("aria-label", t.title);
    box.innerHTML =
      '<label class="call-recording-consent"><input type="checkbox" data-rec-consent> <span></span></label>' +
      ' <button type="button" class="btn btn-small" data-rec-start hidden></button>' +
      ' <button type="button" class="btn btn-secondary btn-small" data-rec-stop hidden></button>' +
      ' <p class="call-recording-status" role="status" data-rec-status></p>';
    box.querySelector("span").textContent = t.consent;
    box.querySelector("[data-rec-start]").textContent = t.record;
    box.querySelector("[data-rec-stop]").textContent = t.stop;
    const extras = document.getElementById("call-extras");
    if (extras) extras.appendChild(box);
    else {
      const area = document.getElementById("call") || document.getElementById("chat-log");
      area.parentNode.insertBefore(box, area.nextSibling);
    }
    ui = {
      box: box,
      consent: box.querySelector("[data-rec-consent]"),
      start: box.querySelector("[data-rec-start]"),
      stop: box.querySelector("[data-rec-stop]"),
      status: box.querySelector("[data-rec-status]"),
    };
    ui.consent.addEventListener("change", () => sendConsent(ui.consent.checked));
    ui.start.addEventListener("click", startRecording);
    ui.stop.addEventListener("click", stopRecording);
    return ui;
  }

  function say(text) { if (ui) ui.status.textContent = text; }

  async function refresh() {
    if (!current) return;
    const version = consentVersion;
    const r = await api("GET", "/api/v1/calls/" + current.call + "/recording-status/").catch(() => null);
    if (!r || r.status !== 200) return;
    const s = r.data;
    const agreed = s.consents.filter((row) => row.consent === true).length;
    const me = s.consents.find((row) => row.user === cfg.user);
    if (me && version === consentVersion) ui.consent.checked = me.consent === true;
    ui.consent.disabled = !s.live;
    if (session && !s.all_consented) {
      say(t.withdrawn);
      stopRecording();
    } else if (!session) {
      say(s.all_consented ? t.allowed : fmt(t.waiting, { n: agreed, total: s.consents.length }));
    }
    ui.start.hidden = !(current.isMediator && s.may_record && !session && typeof MediaRecorder !== "undefined");
    ui.stop.hidden = !session;
  }

  async function sendConsent(value) {
    consentVersion += 1;
    const r = await api("POST", "/api/v1/calls/" + current.call + "/consent/", { consent: value }).catch(() => null);
    if (!r || r.status !== 200) say((r && r.data.detail) || t.error);
    refresh();
  }

  // --- recording (the mediator) ---------------------------------------------------------------
  function mixedStream() {
    const streams = [current.localStream].concat(current.remoteStreams ? current.remoteStreams() : []).filter(Boolean);
    const audio = new (window.AudioContext || window.webkitAudioContext)();
    const out = audio.createMediaStreamDestination();
    streams.forEach((stream) => {
      if (stream.getAudioTracks().length) audio.createMediaStreamSource(stream).connect(out);
    });
    const video = streams.map((s) => s.getVideoTracks()[0]).find(Boolean);
    const tracks = out.stream.getAudioTracks().concat(video ? [video] : []);
    return { stream: new MediaStream(tracks), audio: audio, video: Boolean(video) };
  }

  function pickType(video) {
    const wanted = video ? ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"] : ["audio/webm;codecs=opus", "audio/webm", "audio/mp4"];
    return wanted.find((type) => MediaRecorder.isTypeSupported(type)) || "";
  }

  async function startRecording() {
    if (session) return;
    const mix = mixedStream();
    const mime = pickType(mix.video);
    const contentType = (mime || (mix.video ? "video/webm" : "audio/webm")).split(";")[0];
    const clientId = newId();
    // The plan is kept before asking, so a retried create (same client_id) finds the same upload.
    const created = await api("POST", "/api/v1/calls/" + current.call + "/recordings/",
      { content_type: contentType, client_id: clientId }).catch(() => null);
    if (!created || (created.status !== 201 && created.status !== 200)) {
      mix.audio.close();
      say((created && created.data.detail) || t.error);
      return;
    }
    const id = created.data.id;
    await V.store.put(PREFIX + id, { id: id, call: current.call, room: cfg.room, next: 0, stopped: false, started: Date.now() });
    const recorder = new MediaRecorder(mix.stream, mime ? { mimeType: mime } : undefined);
    session = { id: id, recorder: recorder, audio: mix.audio, index: 0, started: Date.now(), writes: Promise.resolve() };
    recorder.ondataavailable = (event) => {
      if (!event.data || !event.data.size) return;
      const index = session.index++;
      const id0 = id;
      session.writes = session.writes.then(async () => {
        await V.store.put(PREFIX + id0 + ":" + String(index).padStart(8, "0"), event.data);
        const meta = await V.store.get(PREFIX + id0);
        if (meta) { meta.next = index + 1; await V.store.put(PREFIX + id0, meta); }
        pump(id0, 0);
      });
    };
    recorder.onstop = () => {
      const done = session;
      session.writes.then(async () => {
        const meta = await V.store.get(PREFIX + done.id);
        if (meta) { meta.stopped = true; meta.ms = Date.now() - done.started; await V.store.put(PREFIX + done.id, meta); }
        done.audio.close();
        pump(done.id, 0);
      });
      session = null;
      refresh();
    };
    recorder.start(SLICE_MS);
    say(t.recording);
    refresh();
  }

  function stopRecording() {
    if (session && session.recorder.state !== "inactive") session.recorder.stop();
  }

  // --- upload, in order, resumable ------------------------------------------------------------
  async function chunksOf(id) {
    const keys = ((await V.store.keys()) || []).filter((k) => String(k).indexOf(PREFIX + id + ":") === 0).sort();
    const blobs = [];
    for (const key of keys) blobs.push(await V.store.get(key));
    return { keys: keys, blobs: blobs.filter(Boolean) };
  }

  async function sha256Hex(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function retry(id, tries) {
    say(t.offline);
    setTimeout(() => pump(id, tries + 1), Math.min(30000, 1000 * 2 ** Math.min(tries, 5)));
  }

  async function pump(id, tries) {
    if (uploading.has(id)) { uploading.add(id + ":again"); return; }
    uploading.add(id);
    try {
      await upload(id, tries);
    } finally {
      uploading.delete(id);
      if (uploading.delete(id + ":again")) pump(id, 0);
    }
  }

  async function upload(id, tries) {
    const meta = await V.store.get(PREFIX + id);
    if (!meta) return;
    const base = "/api/v1/recordings/" + id + "/";
    let state = await api("GET", base).catch(() => null);
    if (!state || state.status >= 500) return retry(id, tries);
    if (state.status !== 200) { await forget(id); return; } // gone or no longer ours
    let offset = state.data.offset;
    const { blobs } = await chunksOf(id);
    const all = new Blob(blobs);
    let withdrawn = state.data.stopped;
    while (!state.data.complete && !withdrawn && offset < all.size) {
      // The next piece: from the server's offset to the end of the chunk holding it.
      let end = 0;
      for (const b of blobs) { end += b.size; if (end > offset) break; }
      const r = await api("PATCH", base + "chunks/?offset=" + offset, all.slice(offset, end), true).catch(() => null);
      if (!r || r.status >= 500 || r.status === 429) return retry(id, tries);
      if (r.status === 200) { offset = r.data.offset; tries = 0; }
      else if (r.status === 409 && r.data.code === "wrong_offset") offset = r.data.offset;
      else if (r.status === 409 && r.data.code === "consent_withdrawn") { withdrawn = true; offset = r.data.offset; }
      else { say(r.data.detail || t.error); return; }
      if (all.size) say(fmt(t.uploading, { pct: Math.round((100 * offset) / all.size) }));
    }
    if (withdrawn && session && session.id === id) stopRecording();
    if (!meta.stopped && !withdrawn && !state.data.complete) return; // still recording: more to come
    if (withdrawn && session && session.id === id) return; // onstop pumps again once stopped
    // Complete with what the server holds: everything, or what preceded a withdrawal.
    const sha = state.data.complete ? state.data.sha256 : await sha256Hex(all.slice(0, offset));
    const r = await api("POST", base + "complete/", { sha256: sha, size: offset, duration_ms: meta.ms || null }).catch(() => null);
    if (!r || r.status >= 500) return retry(id, tries);
    if (r.status === 200) {
      await forget(id);
      say(fmt(t.done, { sha: r.data.sha256 }));
      document.dispatchEvent(new CustomEvent("tiaojie:recording", { detail: Object.assign({ localSha256: sha }, r.data) }));
    } else say(r.data.detail || t.error);
  }

  async function forget(id) {
    const { keys } = await chunksOf(id);
    for (const key of keys) await V.store.del(key);
    await V.store.del(PREFIX + id);
  }

  async function resumeAll() {
    const keys = ((await V.store.keys()) || []).filter((k) => /^recording:[0-9a-f-]+$/.test(String(k)));
    for (const key of keys) {
      const meta = await V.store.get(key);
      if (!meta || meta.room !== cfg.room) continue;
      if (!session || session.id !== meta.id) {
        if (!meta.stopped) { meta.stopped = true; await V.store.put(key, meta); } // its recorder died with the page
        pump(meta.id, 0);
      }
    }
  }

  document.addEventListener("tiaojie:call", (event) => {
    const detail = event.detail || {};
    if (String(detail.room) !== String(cfg.room)) return;
    current = detail;
    build();
    if (detail.state === "ended") {
      stopRecording();
      ui.consent.disabled = true;
      clearInterval(poller);
      poller = null;
    } else if (!poller) {
      poller = setInterval(refresh, 3000);
    }
    if (typeof MediaRecorder === "undefined" && detail.isMediator) say(t.unsupported);
    refresh();
  });
  window.addEventListener("online", resumeAll);
  resumeAll(); // uploads left from before a reload or a lost connection
})();
