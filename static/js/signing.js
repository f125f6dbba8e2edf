// Settlement signing with a key this browser holds (docs/features/held-keys.md).
// The key pair is made by WebCrypto as non-extractable ECDSA P-256 and kept in IndexedDB for
// this device and user: the CryptoKey objects are stored, the private key never leaves the
// browser. Only the public key (SPKI) is sent; the server returns the bytes to sign (the CMS
// signed attributes) and the sign form then posts the signature value. Without WebCrypto or
// IndexedDB the form is left alone: the platform signs with a key made for that one signing.
(function () {
  "use strict";
  const status = document.getElementById("signing-status");
  const field = document.querySelector('form input[name="signing_id"]');
  if (!status || !field) return;
  const form = field.form;
  const d = status.dataset;
  const DB = "tiaojie-signing", STORE = "keys", slot = "user:" + d.user;
  const ALGO = { name: "ECDSA", namedCurve: "P-256" };

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  const usable = !!(window.isSecureContext && window.crypto && crypto.subtle && window.indexedDB);
  if (!usable) { say(d.fallback); return; }

  function request(r) {
    return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
  }

  async function store(mode) {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    const db = await request(open);
    return db.transaction(STORE, mode).objectStore(STORE);
  }

  async function keyPair() {
    const found = await request((await store("readonly")).get(slot));
    if (found && found.privateKey && found.publicKey) return found;
    const pair = await crypto.subtle.generateKey(ALGO, false, ["sign", "verify"]);
    const kept = { privateKey: pair.privateKey, publicKey: pair.publicKey, created: new Date().toISOString() };
    await request((await store("readwrite")).put(kept, slot));
    return kept;
  }

  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)));
  const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

  async function publicKey() {
    return b64(await crypto.subtle.exportKey("spki", (await keyPair()).publicKey));
  }
  // For the page's tests and for support: the public part only.
  window.TiaojieSigning = { publicKey };

  function problem(body) {
    const errors = body && body.errors ? Object.values(body.errors).flat().join(" ") : "";
    return [body && body.detail, errors].filter(Boolean).join(" ") || "?";
  }

  say(d.held);
  let busy = false;
  form.addEventListener("submit", async (event) => {
    if (form.dataset.held === "ready") return; // the signature is in: post the form
    event.preventDefault();
    if (busy) return;
    busy = true;
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    say(d.working);
    let pair;
    try {
      pair = await keyPair();
    } catch (e) { // storage refused (private window, quota): sign the platform's way
      say(d.fallback);
      form.dataset.held = "ready";
      form.submit();
      return;
    }
    try {
      const data = new FormData(form);
      const spki = b64(await crypto.subtle.exportKey("spki", pair.publicKey));
      const version = data.get("version");
      const body = { agree: form.querySelector('input[name="agree"]').checked, code: data.get("code"), public_key: spki };
      if (version) body.version = Number(version);
      const response = await fetch(d.prepareUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(problem(answer));
      const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, unb64(answer.to_be_signed));
      form.querySelector('input[name="signing_id"]').value = answer.signing_id;
      form.querySelector('input[name="signature"]').value = b64(signature);
      const code = form.querySelector('[name="code"]');
      if (code) code.disabled = true; // spent by the preparation: not posted again
      say(d.signed);
      form.dataset.held = "ready";
      form.submit();
    } catch (e) {
      say(d.failed + " " + e.message, true);
      if (button) button.disabled = false;
      busy = false;
    }
  });
})();
