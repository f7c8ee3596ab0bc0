// The installable app on every page: registers the service worker (the offline page, and the
// notifications this device allowed), and stops this browser's notifications when its member logs
// out, so that a shared computer shows nobody's notifications after they left.
(() => {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  const script = document.currentScript;
  const workerUrl = (script && script.dataset.serviceWorker) || "/sw.js";
  // The worker keeps the offline page of this language; a new language installs it anew.
  const lang = document.documentElement.lang || "en";
  navigator.serviceWorker
    .register(workerUrl + "?lang=" + encodeURIComponent(lang), { scope: "/" })
    .catch(() => {
      /* no service worker (private mode, an old browser): the site works without it */
    });

  async function forgetThisDevice(form) {
    const registration = await navigator.serviceWorker.getRegistration("/");
    const subscription = registration && (await registration.pushManager.getSubscription());
    if (!subscription) return;
    const token = form.querySelector("[name=csrfmiddlewaretoken]");
    await fetch(form.dataset.forgetDevice, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify({ endpoint: subscription.endpoint }),
    }).catch(() => {});
    await subscription.unsubscribe();
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.forgetDevice || form.dataset.forgotten) return;
    event.preventDefault();
    form.dataset.forgotten = "1";
    // Logging out never waits on a slow push service for more than two seconds.
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000));
    Promise.race([forgetThisDevice(form).catch(() => {}), timeout]).then(() => form.submit());
  });
})();
