// Skill autocomplete for the profile editor: suggests skills for the term being typed after the
// last comma, from /members/skills/suggest/ (taxonomy in the reader's language, then tags in use).
(function () {
  "use strict";
  const box = document.querySelector(".skill-inputs");
  if (!box) return;
  const url = box.dataset.suggestUrl;

  box.querySelectorAll("input[data-skill-input]").forEach(function (input) {
    const list = document.createElement("ul");
    list.className = "skill-suggestions";
    list.id = input.id + "_suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.after(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    let timer = null;
    let active = -1;
    let controller = null;

    function currentTerm() {
      const parts = input.value.split(",");
      return parts[parts.length - 1].trim();
    }
    function close() {
      list.hidden = true;
      list.replaceChildren();
      active = -1;
      input.setAttribute("aria-expanded", "false");
    }
    function choose(name) {
      const parts = input.value.split(",").map(function (p) { return p.trim(); });
      parts[parts.length - 1] = name;
      input.value = parts.filter(Boolean).join(", ") + ", ";
      close();
      input.focus();
    }
    function highlight(index) {
      const items = list.querySelectorAll("li");
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
    }
    function show(results) {
      list.replaceChildren();
      results.forEach(function (result) {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.textContent = result.name;  // textContent: a tag name is never HTML
        if (result.count) {
          const count = document.createElement("small");
          count.textContent = "(" + result.count + ")";
          li.appendChild(count);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(result.name); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      const term = currentTerm();
      if (term.length < 2) { close(); return; }
      timer = setTimeout(function () {
        if (controller) controller.abort();
        controller = new AbortController();
        fetch(url + "?prefix=" + encodeURIComponent(term), { signal: controller.signal, headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { show(data.results || []); })
          .catch(function () {});
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      const items = list.querySelectorAll("li");
      if (list.hidden || !items.length) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(items[active].firstChild.textContent); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  });
})();
