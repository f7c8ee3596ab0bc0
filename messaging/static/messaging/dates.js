// Dates as the server writes them (community/formats/: Belgian conventions in fr, nl and en):
// "01/12/2026 14:05", day/month/year and the 24-hour clock, in the page's language with the
// Belgian region (fr-BE, nl-BE, en-BE) and the browser's time zone. Loaded before chat.js.
(() => {
  "use strict";
  const formatters = new Map();

  function formatter(lang) {
    const locale = `${(lang || "en").slice(0, 2)}-BE`;
    if (!formatters.has(locale)) {
      formatters.set(
        locale,
        new Intl.DateTimeFormat(locale, {
          day: "2-digit",
          month: "2-digit",
          year: "numeric",
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23",
        }),
      );
    }
    return formatters.get(locale);
  }

  // The parts in a fixed order: each locale puts its own separators ("," in en-BE), the server none.
  function formatDateTime(value, lang = document.documentElement.lang) {
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    const part = {};
    for (const { type, value: text } of formatter(lang).formatToParts(date)) part[type] = text;
    return `${part.day}/${part.month}/${part.year} ${part.hour}:${part.minute}`;
  }

  window.communityDates = { formatDateTime };
})();
