// Where the dispute arose: a search box suggesting places, communities and streets as one
// types (docs/features/places.md). An ARIA 1.2 combobox with a listbox popup: arrow keys move,
// Enter chooses, Escape closes. Choosing a place fills the hidden `place` field; choosing a
// community or street narrows the next suggestions to it and preselects its street for
// "I don't know". Without this script the form searches the typed text on submit.
(function () {
  "use strict";
  const panel = document.getElementById("where-panel");
  if (!panel || !window.fetch) return;
  const input = panel.querySelector('input[name="where"]');
  const list = document.getElementById("where-listbox");
  const hidden = panel.querySelector('input[type="hidden"][name="place"]');
  const status = document.getElementById("where-status");
  const within = document.getElementById("where-within");
  const street = panel.querySelector('select[name="street"]');
  const known = panel.querySelector('input[type="hidden"][name="grid"]');
  const d = panel.dataset;
  if (!input || !list || !hidden) return;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  let results = [], active = -1, scope = null, timer = null, seq = 0;

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, (_, k) => (k in values ? values[k] : ""));
  }
  function say(text) { status.textContent = text; }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function render() {
    list.textContent = "";
    results.forEach((r, i) => {
      const li = document.createElement("li");
      li.id = "where-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      li.dataset.kind = r.kind;
      li.textContent = r.label;
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    if (results.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (active >= 0) input.setAttribute("aria-activedescendant", "where-option-" + active);
      else input.removeAttribute("aria-activedescendant");
    } else {
      close();
    }
  }

  async function search() {
    const q = input.value.trim();
    if (!q) { results = []; render(); say(""); return; }
    const mine = ++seq;
    const url = new URL(d.searchUrl, window.location.href);
    url.searchParams.set("q", q.slice(0, 40));
    if (scope) url.searchParams.set("within", scope.id);
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (mine !== seq) return;
      results = response.ok ? await response.json() : [];
    } catch (e) {
      results = [];
    }
    active = -1;
    render();
    say(results.length ? fill(d.msgCount, { n: results.length }) : d.msgNone);
  }

  function setScope(region) {
    scope = region;
    within.hidden = !region;
    within.querySelector("span").textContent = region ? fill(d.msgWithin, { name: region.name }) : "";
  }

  function choose(i) {
    const r = results[i];
    if (!r) return;
    if (street && r.street) street.value = String(r.street);
    if (r.kind === "place") {
      hidden.value = String(r.id);
      input.value = r.label;
      close();
      say(fill(d.msgFound, { label: r.label }));
    } else {
      hidden.value = "";
      setScope({ id: r.id, name: r.name });
      input.value = "";
      results = [];
      close();
      say(fill(d.msgWithin, { name: r.name }));
      input.focus();
    }
  }

  input.addEventListener("input", () => {
    hidden.value = "";
    if (known) known.value = "";
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (list.hidden && results.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
      if (!results.length) return;
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      active = (active + step + results.length) % results.length;
      render();
    } else if (e.key === "Enter" && !list.hidden && active >= 0) {
      e.preventDefault();
      choose(active);
    } else if (e.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  document.getElementById("where-within-clear").addEventListener("click", () => {
    setScope(null);
    input.focus();
    search();
  });
})();
