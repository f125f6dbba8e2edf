// Calls in a chat room (docs/features/calls.md, docs/chat-protocol.md "Calls"): a WebRTC mesh, one
// RTCPeerConnection per other participant, signalled over the room's socket (chat.js's
// window.TiaojieChat.send; frames arrive as "chat:call" events). The newcomer sends the offers
// to those already in the call, so two sides never offer to each other at once.
// Every change of the call or its streams is announced as a "tiaojie:call" event.
(function () {
  "use strict";
  const root = document.getElementById("call");
  const chat = window.TiaojieChat;
  if (!root || !chat || !window.RTCPeerConnection) return;
  const cfg = JSON.parse(document.getElementById("call-config").textContent);
  const me = JSON.parse(document.getElementById("chat-config").textContent).me;
  const t = cfg.text;
  const statusLine = document.getElementById("call-status");
  const tiles = document.getElementById("call-tiles");
  const button = (name) => root.querySelector("[data-call-" + name + "]");
  const startButtons = root.querySelectorAll("[data-call-start]");

  let call = null; // the live call's frame (id, media, participants), or null
  let joined = false, joining = false, writable = false;
  let localStream = null, iceServers = [], relayOnly = false;
  let micOn = true, camOn = true;
  const peers = new Map(); // user id -> {pc, stream, pending: [candidates]}

  // For tests and the recording feature: the live peer connections.
  window.tiaojieCall = { peers: peers, get call() { return call; }, get joined() { return joined; } };

  function announce() {
    document.dispatchEvent(new CustomEvent("tiaojie:call", {
      detail: {
        call: call ? call.id : null, room: cfg.room, state: call ? "live" : "ended", localStream: localStream,
        remoteStreams: () => Array.from(peers.values()).map((p) => p.stream).filter(Boolean),
        isMediator: cfg.isMediator,
      },
    }));
  }

  // --- the bar -------------------------------------------------------------------------------
  function render() {
    const live = !!call;
    root.hidden = !live && !(cfg.isMediator && writable);
    startButtons.forEach((b) => { b.hidden = live || !cfg.isMediator || !writable; b.disabled = joining; });
    button("join").hidden = !live || joined || !writable;
    button("join").disabled = joining;
    button("leave").hidden = !joined;
    button("end").hidden = !live || !cfg.isMediator;
    button("mic").hidden = !joined;
    button("cam").hidden = !joined || call.media !== "video";
    button("mic").textContent = micOn ? t.muteMic : t.unmuteMic;
    button("mic").setAttribute("aria-pressed", String(!micOn));
    button("cam").textContent = camOn ? t.muteCam : t.unmuteCam;
    button("cam").setAttribute("aria-pressed", String(!camOn));
    if (live) {
      const names = call.participants.map((p) => (p.id === me.id ? t.you : p.name)).join("、");
      statusLine.textContent = (call.media === "video" ? t.liveVideo : t.liveAudio).replace("%(names)s", names);
    }
  }

  function tile(id, name, stream, muted) {
    let li = tiles.querySelector('[data-user="' + id + '"]');
    if (!li) {
      li = document.createElement("li");
      li.className = "chat-call-tile";
      li.dataset.user = id;
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      video.muted = muted; // one's own preview never echoes
      const label = document.createElement("span");
      li.append(video, label);
      tiles.append(li);
    }
    li.querySelector("span").textContent = name;
    const video = li.querySelector("video");
    video.setAttribute("aria-label", name);
    if (stream && video.srcObject !== stream) video.srcObject = stream;
  }

  function nameOf(id) {
    const p = call && call.participants.find((x) => x.id === id);
    return p ? p.name : String(id);
  }

  // --- peers ---------------------------------------------------------------------------------
  function peer(id) {
    let p = peers.get(id);
    if (p) return p;
    const pc = new RTCPeerConnection({ iceServers: iceServers, iceTransportPolicy: relayOnly ? "relay" : "all" });
    p = { pc: pc, stream: null, pending: [] };
    peers.set(id, p);
    localStream.getTracks().forEach((track) => pc.addTrack(track, localStream));
    pc.onicecandidate = (event) => {
      if (event.candidate && call) {
        chat.send({ type: "call_ice", call: call.id, to: id, candidate: event.candidate.toJSON() });
      }
    };
    pc.ontrack = (event) => {
      p.stream = event.streams[0] || new MediaStream([event.track]);
      tile(id, nameOf(id), p.stream, false);
      announce();
    };
    return p;
  }

  function drop(id) {
    const p = peers.get(id);
    if (!p) return;
    p.pc.close();
    peers.delete(id);
    const li = tiles.querySelector('[data-user="' + id + '"]');
    if (li) li.remove();
    announce();
  }

  async function offerTo(id) {
    const p = peer(id);
    const offer = await p.pc.createOffer();
    await p.pc.setLocalDescription(offer);
    chat.send({ type: "call_offer", call: call.id, to: id, sdp: offer.sdp });
  }

  async function flush(p) {
    for (const c of p.pending.splice(0)) await p.pc.addIceCandidate(c).catch(() => {});
  }

  async function onOffer(f) {
    if (!joined || !call || f.call !== call.id) return;
    const p = peer(f.from);
    await p.pc.setRemoteDescription({ type: "offer", sdp: f.sdp });
    await flush(p);
    const answer = await p.pc.createAnswer();
    await p.pc.setLocalDescription(answer);
    chat.send({ type: "call_answer", call: call.id, to: f.from, sdp: answer.sdp });
  }

  async function onAnswer(f) {
    const p = peers.get(f.from);
    if (!p) return;
    await p.pc.setRemoteDescription({ type: "answer", sdp: f.sdp });
    await flush(p);
  }

  async function onIce(f) {
    const p = joined && peer(f.from);
    if (!p) return;
    if (p.pc.remoteDescription) await p.pc.addIceCandidate(f.candidate).catch(() => {});
    else p.pending.push(f.candidate);
  }

  // --- joining and leaving -------------------------------------------------------------------
  async function prepare(media) {
    const response = await fetch(cfg.credentials, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error("credentials " + response.status);
    const body = await response.json();
    iceServers = body.ice_servers;
    relayOnly = body.relay_only;
    localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: media === "video" });
    micOn = camOn = true;
  }

  async function begin(media, frame) {
    if (joining) return;
    joining = true;
    render();
    try {
      await prepare(media);
      if (!chat.send(frame)) throw new Error("offline");
    } catch (err) {
      joining = false;
      stopLocal();
      statusLine.textContent = err && err.name === "NotAllowedError" ? t.denied : t.failed;
      render();
    }
  }

  function stopLocal() {
    if (localStream) localStream.getTracks().forEach((track) => track.stop());
    localStream = null;
  }

  function teardown() {
    for (const id of Array.from(peers.keys())) drop(id);
    tiles.replaceChildren();
    stopLocal();
    joined = joining = false;
  }

  function onState(c) {
    if (c.state === "ended") {
      if (call && call.id !== c.id) return;
      teardown();
      call = null;
      statusLine.textContent = t.ended;
      render();
      announce();
      return;
    }
    call = c;
    const inside = c.participants.map((p) => p.id);
    if (joining && inside.includes(me.id)) { // our start or join went through
      joining = false;
      joined = true;
      tile(me.id, t.you, localStream, true);
      // The newcomer offers to everyone already in the call.
      inside.filter((id) => id !== me.id).forEach((id) => offerTo(id).catch(() => { statusLine.textContent = t.failed; }));
    } else if (joined && !inside.includes(me.id)) { // our leg was ended by the server
      teardown();
    }
    for (const id of Array.from(peers.keys())) if (!inside.includes(id)) drop(id);
    for (const id of peers.keys()) tile(id, nameOf(id), peers.get(id).stream, false);
    render();
    announce();
  }

  function onMute(f) {
    const li = tiles.querySelector('[data-user="' + f.user + '"]');
    if (li) li.querySelector("span").textContent = nameOf(f.user) + (f.audio ? "" : " · " + t.muted);
  }

  document.addEventListener("chat:call", (event) => {
    const f = event.detail;
    switch (f.type) {
      case "hello": // (re)connected: the server ended any leg of the old socket
        writable = f.writable;
        if (joined || joining) teardown();
        call = null;
        render();
        break;
      case "call": onState(f.call); break;
      case "call_offer": onOffer(f).catch(() => { statusLine.textContent = t.failed; }); break;
      case "call_answer": onAnswer(f).catch(() => { statusLine.textContent = t.failed; }); break;
      case "call_ice": onIce(f); break;
      case "call_mute": onMute(f); break;
      case "error":
        if (joining && ["stale_call", "call_live", "forbidden", "read_only"].includes(f.code)) {
          teardown();
          statusLine.textContent = t.failed;
          render();
        }
        break;
    }
  });
  document.addEventListener("chat:writable", (event) => { writable = event.detail; render(); });

  startButtons.forEach((b) => b.addEventListener("click", () => {
    begin(b.dataset.callStart, { type: "call_start", media: b.dataset.callStart });
  }));
  button("join").addEventListener("click", () => { if (call) begin(call.media, { type: "call_join", call: call.id }); });
  button("leave").addEventListener("click", () => {
    if (call) chat.send({ type: "call_leave", call: call.id });
    teardown();
    render();
    announce();
  });
  button("end").addEventListener("click", () => { if (call) chat.send({ type: "call_end", call: call.id }); });

  function sendMute() {
    if (localStream) {
      localStream.getAudioTracks().forEach((track) => { track.enabled = micOn; });
      localStream.getVideoTracks().forEach((track) => { track.enabled = camOn; });
    }
    if (call) chat.send({ type: "call_mute", call: call.id, audio: micOn, video: camOn });
    render();
  }
  button("mic").addEventListener("click", () => { micOn = !micOn; sendMute(); });
  button("cam").addEventListener("click", () => { camOn = !camOn; sendMute(); });
  window.addEventListener("pagehide", () => { if (joined && call) chat.send({ type: "call_leave", call: call.id }); });
  render();
})();
