// Skill suggestions while typing on /search/: chips under the box that filter by a skill.
// The results themselves follow the typing through htmx (hx-trigger on the form).
(function () {
  "use strict";
  // A 400 carries a friendly message (search too long, unknown filter): show it, as for a 200.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 && event.detail.target.id === "search-results") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  const input = document.getElementById("search-q");
  const box = document.getElementById("search-suggestions");
  if (!input || !box || !input.dataset.suggestUrl) return;
  let timer = null;
  let controller = null;

  function lastWord(text) {
    const words = text.trim().split(/\s+/);
    return words.length ? words[words.length - 1] : "";
  }

  function render(results) {
    box.replaceChildren();
    if (!results.length) { box.hidden = true; return; }
    const label = document.createElement("small");
    label.className = "muted";
    label.textContent = box.dataset.label;
    box.append(label, " ");
    for (const skill of results) {
      const url = new URL(window.location.href);
      url.searchParams.delete("page");
      url.searchParams.append("skill", skill.slug);
      url.searchParams.set("q", input.value);
      const link = document.createElement("a");
      link.className = "chip";
      link.href = url.pathname + url.search;
      link.textContent = skill.name + (skill.count ? " (" + skill.count + ")" : "");
      box.append(link, " ");
    }
    box.hidden = false;
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    const prefix = lastWord(input.value);
    if (prefix.length < 2) { render([]); return; }
    timer = setTimeout(function () {
      if (controller) controller.abort();
      controller = new AbortController();
      fetch(input.dataset.suggestUrl + "?limit=6&prefix=" + encodeURIComponent(prefix), {
        credentials: "same-origin", headers: { Accept: "application/json" }, signal: controller.signal,
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { render(data.results || []); })
        .catch(function () { /* aborted or offline: keep what is shown */ });
    }, 200);
  });
})();
