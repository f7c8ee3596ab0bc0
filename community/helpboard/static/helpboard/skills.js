// Skill autocomplete for the help request form: the browser's <datalist> suggests a taxonomy
// skill for the word being typed after the last comma, keeping what was typed before it.
(() => {
  const input = document.querySelector("[data-skill-input]");
  const list = input && document.getElementById(input.getAttribute("list"));
  if (!input || !list) return;
  const labels = Array.from(list.options, (option) => option.value);
  const fold = (text) => text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  input.addEventListener("input", () => {
    const value = input.value;
    const cut = value.lastIndexOf(",");
    const done = cut >= 0 ? value.slice(0, cut + 1) + " " : "";
    const typed = fold(value.slice(cut + 1).trim());
    const picked = value.split(",").map((part) => fold(part.trim()));
    list.replaceChildren(
      ...labels
        .filter((label) => !picked.includes(fold(label)) && (!typed || fold(label).includes(typed)))
        .slice(0, 12)
        .map((label) => new Option(label, done + label)),
    );
  });
})();
