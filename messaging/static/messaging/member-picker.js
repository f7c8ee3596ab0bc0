// The member picker of the group forms (new group, add members): search as you type, pick with
// the mouse or the keyboard (arrows, Enter, Escape; Backspace in an empty box removes the last
// chip), picked members as chips with a remove button. The form's own text field stays the
// truth: it is hidden and holds the picked usernames, so the server sees exactly what a visitor
// without JavaScript would type. Suggestions come from GET <data-member-suggestions>?q=&exclude=
// (never a hidden member nor one in a block with the viewer: the server decides). Names only ever
// reach the page through textContent.
(() => {
  "use strict";
  const stringsElement = document.getElementById("member-picker-strings");
  const S = stringsElement ? JSON.parse(stringsElement.textContent) : {};
  const say = (key, name) => (S[key] || key).replace("%(name)s", name || "");
  let counter = 0;

  function setUp(field, url) {
    counter += 1;
    const id = "member-picker-" + counter;
    const picked = new Map(); // username -> display name
    for (const name of field.value.replace(/,/g, " ").split(/\s+/)) {
      const username = name.replace(/^@+/, "");
      if (username) picked.set(username, username);
    }

    const box = document.createElement("div");
    box.className = "member-picker";
    const chips = document.createElement("ul");
    chips.className = "member-picker-chips";
    chips.setAttribute("aria-label", S.picked || "");
    const input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.className = "member-picker-input";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.setAttribute("aria-label", S.search || "");
    if (field.getAttribute("aria-describedby")) input.setAttribute("aria-describedby", field.getAttribute("aria-describedby"));
    const list = document.createElement("ul");
    list.className = "member-picker-list";
    list.id = id + "-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    const live = document.createElement("p");
    live.className = "visually-hidden member-picker-live";
    live.setAttribute("aria-live", "polite");
    box.append(chips, input, list, live);

    // The label now names the search box; the real field travels hidden with the form.
    const label = field.id ? document.querySelector(`label[for="${CSS.escape(field.id)}"]`) : null;
    if (label) label.htmlFor = id;
    field.type = "hidden";
    field.after(box);

    let results = [];
    let active = -1;
    let timer = null;
    let controller = null;

    function sync() {
      field.value = Array.from(picked.keys()).join(", ");
      chips.replaceChildren();
      for (const [username, name] of picked) {
        const chip = document.createElement("li");
        chip.className = "chip member-picker-chip";
        chip.dataset.username = username;
        const text = document.createElement("span");
        text.textContent = name;
        text.title = "@" + username;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "member-picker-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", say("remove", name));
        remove.addEventListener("click", () => {
          picked.delete(username);
          sync();
          live.textContent = say("removed", name);
          input.focus();
        });
        chip.append(text, remove);
        chips.append(chip);
      }
      chips.hidden = picked.size === 0;
    }

    function close() {
      list.hidden = true;
      list.replaceChildren();
      results = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function pick(username, name) {
      username = username.replace(/^@+/, "").trim();
      if (!username) return;
      picked.set(username, name || username);
      input.value = "";
      close();
      sync();
      live.textContent = say("added", name || username);
      input.focus();
    }

    function highlight(index) {
      active = index;
      list.querySelectorAll("[role=option]").forEach((option, i) => {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) {
          input.setAttribute("aria-activedescendant", option.id);
          option.scrollIntoView({ block: "nearest" });
        }
      });
    }

    function show(found) {
      results = found;
      list.replaceChildren();
      active = -1;
      input.removeAttribute("aria-activedescendant");
      found.forEach((member, index) => {
        const option = document.createElement("li");
        option.id = `${id}-option-${index}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "member-picker-option";
        option.dataset.username = member.username;
        let avatar;
        if (member.avatar && /^(\/|https:\/\/)/.test(member.avatar)) {
          avatar = document.createElement("img");
          avatar.src = member.avatar;
          avatar.alt = "";
        } else {
          avatar = document.createElement("span");
          avatar.textContent = member.initials || "?";
          avatar.setAttribute("aria-hidden", "true");
        }
        avatar.className = "avatar small";
        const text = document.createElement("span");
        const name = document.createElement("strong");
        name.textContent = member.name;
        const meta = document.createElement("small");
        meta.className = "muted";
        meta.textContent = " @" + member.username + (member.space ? " · " + member.space : "");
        text.append(name, meta);
        option.append(avatar, text);
        // mousedown, not click: the box keeps its focus, so the list is not closed by blur first.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(member.username, member.name);
        });
        list.append(option);
      });
      if (!found.length && input.value.trim().length >= 2) {
        const empty = document.createElement("li");
        empty.className = "member-picker-empty muted";
        empty.textContent = S.none || "";
        list.append(empty);
      }
      list.hidden = list.children.length === 0;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
    }

    function search() {
      const term = input.value.trim().replace(/^@+/, "");
      clearTimeout(timer);
      if (term.length < 2) {
        close();
        return;
      }
      timer = setTimeout(() => {
        if (controller) controller.abort();
        controller = new AbortController();
        const query = new URLSearchParams({ q: term, exclude: Array.from(picked.keys()).join(",") });
        fetch(`${url}?${query}`, {
          signal: controller.signal,
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then((response) => (response.ok ? response.json() : { results: [] }))
          .then((data) => {
            if (input.value.trim().replace(/^@+/, "") === term) show(data.results || []);
          })
          .catch(() => {});
      }, 150);
    }

    input.addEventListener("input", () => {
      // A comma or a space ends a typed username, as in the plain field.
      if (/[\s,]$/.test(input.value) && input.value.trim().replace(/,$/, "")) {
        pick(input.value.replace(/[\s,]+$/, ""));
        return;
      }
      search();
    });
    input.addEventListener("keydown", (event) => {
      const count = results.length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        highlight((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        highlight((active - 1 + count) % count);
      } else if (event.key === "Enter") {
        if (active >= 0 && results[active]) {
          event.preventDefault();
          pick(results[active].username, results[active].name);
        } else if (input.value.trim()) {
          event.preventDefault();
          pick(input.value.trim());
        }
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      } else if (event.key === "Backspace" && !input.value && picked.size) {
        const last = Array.from(picked.keys()).pop();
        const name = picked.get(last);
        picked.delete(last);
        sync();
        live.textContent = say("removed", name);
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
    // What is left in the box when the form is sent counts as a typed username.
    field.form.addEventListener("submit", () => {
      if (input.value.trim()) pick(input.value.trim());
    });
    sync();
  }

  document.querySelectorAll("form[data-member-suggestions]").forEach((form) => {
    const field = form.querySelector("input[data-member-picker]");
    if (field) setUp(field, form.dataset.memberSuggestions);
  });
})();
