// A voice note on the filing page (templates/disputes/_voice_note_filing.html): recorded with
// recorder.js and put into the evidence file input, so it is uploaded with the form and
// stored as evidence of the new dispute. Kept in IndexedDB until the filing went through:
// a form sent back with errors (file inputs come back empty) gets it attached again.
(function () {
  "use strict";
  const V = window.TiaojieVoice;
  const root = document.getElementById("filing-voice");
  const input = document.getElementById("id_evidence");
  if (!root || !V || !input || !V.supported() || !window.DataTransfer) return;
  const d = root.dataset;
  const text = {
    record: d.textRecord, stop: d.textStop, denied: d.textDenied, limit: d.textLimit,
  };
  const statusLine = document.getElementById("filing-voice-status");
  const KEY = "filing:" + location.pathname;
  let file = null, added = null;

  // The input's files: the ones the person chose, plus the voice note (once).
  function attach() {
    const list = new DataTransfer();
    const ours = (f) => added && (f === added || (f.name === added.name && f.size === added.size));
    for (const f of input.files) if (!ours(f)) list.items.add(f);
    if (file) list.items.add(file);
    input.files = list.files;
    added = file;
  }

  function use(blob, type, ms) {
    file = blob ? new File([blob], "voice-note." + V.extension(type), { type: type }) : null;
    attach();
  }

  const recorder = V.Recorder(root, {
    maxMs: Number(d.maxMs),
    text: text,
    onReady: (blob, ms, type) => {
      use(blob, type, ms);
      V.store.put(KEY, { blob: blob, type: type, ms: ms, submitted: false });
      statusLine.textContent = d.textReady;
    },
    onDiscard: () => { use(null); V.store.del(KEY); statusLine.textContent = d.textDiscarded; },
    onError: (message) => { statusLine.textContent = message; },
  });

  input.addEventListener("change", () => { if (file) attach(); }); // choosing files keeps it
  input.form.addEventListener("submit", () => {
    if (file) V.store.put(KEY, { blob: file, type: file.type, ms: recorder.ms, submitted: true });
  });

  // Back on the page: a recording not filed yet (the form came back with errors, or the page
  // was left before sending) is attached again; one sent with a form that went through is gone.
  V.store.get(KEY).then((kept) => {
    if (!kept) return;
    const sentBack = !!document.querySelector(".errorlist, .form-errors, [aria-invalid=true]");
    if (kept.submitted && !sentBack) { V.store.del(KEY); return; }
    use(kept.blob, kept.type, kept.ms);
    recorder.show(kept.blob, kept.ms);
    recorder.type = kept.type;
    statusLine.textContent = d.textRestored;
  });
  root.hidden = false;
})();
