/* Pages the elderly can use (docs/features/accessibility.md): the "large text" switch without a
   reload, and "read aloud" buttons through the browser's speech synthesis. Without this file
   the switch is a plain form and the read-aloud buttons stay hidden. */
(function () {
  "use strict";

  /* --- large text ------------------------------------------------------------------------ */
  function setUpTextSize(form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter || form.querySelector("button[name=large_text]");
      if (!button || !window.fetch || !window.FormData) return;  // the plain post does it
      event.preventDefault();
      var body = new FormData(form);
      body.set("large_text", button.value);
      fetch(form.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"Accept": "application/json"},
      }).then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      }).then(function (data) {
        var on = !!data.large_text;
        document.documentElement.classList.toggle("large-text", on);
        document.querySelectorAll("form[data-text-size] button[name=large_text]").forEach(function (b) {
          b.value = on ? "0" : "1";
          b.setAttribute("aria-pressed", on ? "true" : "false");
        });
      }).catch(function () {
        form.submit();  // the server still decides: fall back to the plain post
      });
    });
  }

  /* --- read aloud ------------------------------------------------------------------------ */
  var speaking = null;  // the button whose text is being read

  function voiceLang(button) {
    var lang = button.getAttribute("data-read-lang") || document.documentElement.lang || "zh-hans";
    return lang.toLowerCase().indexOf("en") === 0 ? "en-US" : "zh-CN";
  }

  function textOf(button) {
    var text = button.getAttribute("data-read-text");
    if (!text) {
      var scope = button.closest("[data-read-scope]") || document;
      text = Array.prototype.map.call(scope.querySelectorAll("[data-read]"), function (el) {
        return el.textContent;
      }).join("。 ");
    }
    return text.replace(/\s+/g, " ").trim();
  }

  function show(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    var label = button.querySelector(".read-aloud-label");
    if (label) label.textContent = button.getAttribute(on ? "data-label-stop" : "data-label-read");
  }

  function stop() {
    var was = speaking;
    speaking = null;
    if (was) show(was, false);
    window.speechSynthesis.cancel();
  }

  function setUpReadAloud(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      if (speaking === button) { stop(); return; }
      stop();
      var utterance = new window.SpeechSynthesisUtterance(textOf(button));
      utterance.lang = voiceLang(button);
      utterance.onend = utterance.onerror = function () {
        if (speaking === button) { speaking = null; show(button, false); }
      };
      speaking = button;
      show(button, true);
      window.speechSynthesis.speak(utterance);
    });
  }

  function init() {
    document.querySelectorAll("form[data-text-size]").forEach(setUpTextSize);
    if ("speechSynthesis" in window && "SpeechSynthesisUtterance" in window) {
      document.querySelectorAll("button.read-aloud").forEach(setUpReadAloud);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
