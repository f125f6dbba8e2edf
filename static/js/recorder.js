// Recording a voice note in the browser (docs/features/chat.md, "Voice notes"), shared by the
// chat page (voice.js) and the filing page (voice-filing.js). MediaRecorder records from the
// microphone; start/stop with one button, the elapsed time shown, then a preview to listen to.
// Also a small keyed store in IndexedDB (memory when IndexedDB is unavailable), so that a
// recording waits there until the server has acknowledged it.
(function () {
  "use strict";
  const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm", "audio/ogg"];

  function supported() {
    return !!(window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function pickType() {
    return TYPES.find((type) => MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(type)) || "";
  }

  function extension(type) {
    return type.indexOf("ogg") >= 0 ? "ogg" : type.indexOf("mp4") >= 0 ? "m4a" : "webm";
  }

  function clock(ms) {
    const s = Math.round(ms / 1000);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // A recorder bound to a root element holding [data-rec-toggle] (start/stop), [data-rec-preview]
  // (an <audio>), [data-rec-done] (shown once a recording is ready) and [data-rec-discard].
  // opts: {maxMs, text: {record, stop, denied, limit}, onReady(blob, ms, type), onError(text)}.
  function Recorder(root, opts) {
    const toggle = root.querySelector("[data-rec-toggle]");
    const preview = root.querySelector("[data-rec-preview]");
    const done = root.querySelector("[data-rec-done]");
    const discard = root.querySelector("[data-rec-discard]");
    let media = null, stream = null, chunks = [], started = 0, timer = null, previewUrl = null;
    const self = { blob: null, ms: 0, type: "" };

    function label() {
      toggle.textContent = media ? opts.text.stop.replace("%(time)s", clock(Date.now() - started)) : opts.text.record;
      toggle.setAttribute("aria-pressed", media ? "true" : "false");
    }

    async function start() {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (err) {
        opts.onError(opts.text.denied);
        return;
      }
      const type = pickType();
      media = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      chunks = [];
      media.ondataavailable = (event) => { if (event.data && event.data.size) chunks.push(event.data); };
      media.onstop = finish;
      started = Date.now();
      media.start(1000);
      timer = setInterval(() => {
        label();
        if (Date.now() - started >= opts.maxMs) { opts.onError(opts.text.limit); stop(); }
      }, 250);
      label();
    }

    function stop() {
      if (!media) return;
      self.ms = Date.now() - started;
      clearInterval(timer);
      media.stop();
      stream.getTracks().forEach((track) => track.stop());
    }

    function finish() {
      const type = (media.mimeType || pickType() || "audio/webm").split(";")[0];
      media = null;
      label();
      self.type = type;
      self.blob = new Blob(chunks, { type: type });
      show(self.blob, self.ms);
      opts.onReady(self.blob, self.ms, type);
    }

    function show(blob, ms) {
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = blob ? URL.createObjectURL(blob) : null;
      if (preview) {
        if (previewUrl) preview.src = previewUrl; else preview.removeAttribute("src");
      }
      if (done) done.hidden = !blob;
      self.blob = blob;
      self.ms = ms || 0;
    }

    toggle.addEventListener("click", () => { if (media) stop(); else start(); });
    if (discard) discard.addEventListener("click", () => { show(null, 0); if (opts.onDiscard) opts.onDiscard(); });
    label();
    self.show = show;
    self.clear = () => show(null, 0);
    self.setEnabled = (value) => { toggle.disabled = !value; };
    return self;
  }

  // --- a keyed store in IndexedDB (or memory) --------------------------------------------------
  const memory = new Map();
  let dbPromise = null;
  function db() {
    if (!window.indexedDB) return Promise.resolve(null);
    if (!dbPromise) {
      dbPromise = new Promise((resolve) => {
        const request = indexedDB.open("tiaojie-voice", 1);
        request.onupgradeneeded = () => request.result.createObjectStore("notes");
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => resolve(null);
      });
    }
    return dbPromise;
  }
  function run(mode, action) {
    return db().then((handle) => {
      if (!handle) return action(null);
      return new Promise((resolve) => {
        const store = handle.transaction("notes", mode).objectStore("notes");
        const request = action(store);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => resolve(undefined);
      });
    }).catch(() => action(null));
  }
  const store = {
    put: (key, value) => run("readwrite", (s) => (s ? s.put(value, key) : memory.set(key, value))),
    get: (key) => run("readonly", (s) => (s ? s.get(key) : memory.get(key))),
    del: (key) => run("readwrite", (s) => (s ? s.delete(key) : memory.delete(key))),
    keys: () => run("readonly", (s) => (s ? s.getAllKeys() : Array.from(memory.keys()))),
  };

  window.TiaojieVoice = { supported: supported, Recorder: Recorder, store: store, extension: extension, clock: clock };
})();
