// The service worker of the installable app, served at /sw.js (scope: the whole site) and
// registered by pwa.js as /sw.js?lang=xx. It does two things:
// - a page that cannot load (no connection) shows the offline page, kept in that language;
// - a notification pushed to this device (community/notifications/push.py) is shown, and a click
//   on it opens its page, in a tab of the site that is already open if there is one.
"use strict";

const LANG = new URL(self.location.href).searchParams.get("lang") || "en";
const CACHE = "offline-v1-" + LANG;
const OFFLINE_URL = "/offline/?lang=" + encodeURIComponent(LANG);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.add(new Request(OFFLINE_URL, { cache: "reload" })))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  // Offline pages of another language or an older version go.
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("offline-") && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // Only page loads; everything else (and a form post) goes to the network untouched.
  if (request.mode !== "navigate" || request.method !== "GET") return;
  event.respondWith(
    fetch(request).catch(() =>
      caches.match(OFFLINE_URL, { cacheName: CACHE }).then((page) => page || Response.error()),
    ),
  );
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const options = { body: data.body || "", icon: data.icon, data: { url: data.url || "/" } };
  if (data.tag) {
    // A newer push with the same tag replaces the one shown, and still rings.
    options.tag = data.tag;
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(data.title || "Coworking Belgium", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  event.waitUntil(
    (async () => {
      // The site's open tabs (this worker controls them all: it claims them when it starts).
      const tabs = await self.clients.matchAll({ type: "window" });
      const same = tabs.find((tab) => tab.url === target.href);
      if (same) return same.focus();
      if (tabs.length && target.origin === self.location.origin) {
        try {
          return await (await tabs[0].focus()).navigate(target.href);
        } catch {
          /* the tab would not go there: open a new one */
        }
      }
      return self.clients.openWindow(target.href);
    })(),
  );
});
