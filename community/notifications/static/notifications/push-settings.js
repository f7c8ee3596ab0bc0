// "Allow notifications on this device" on the settings page: subscribes this browser with the
// site's VAPID key and posts the subscription to the API; "Stop" does the reverse. The page lists
// the member's devices (rendered by the server), and this one is marked in the list.
(() => {
  "use strict";
  const configElement = document.getElementById("push-config");
  const button = document.getElementById("push-toggle");
  const status = document.getElementById("push-status");
  if (!configElement || !button || !status) return;
  const config = JSON.parse(configElement.textContent);
  const S = config.strings || {};
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    status.textContent = S.unsupported;
    return;
  }
  const rows = Array.from(document.querySelectorAll(".push-device-list [data-endpoint]"));
  const csrfInput = document.querySelector("[name=csrfmiddlewaretoken]");

  function applicationServerKey() {
    const base64 = config.publicKey.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function madeWithOurKey(subscription) {
    const key = subscription.options && subscription.options.applicationServerKey;
    if (!key) return true; // the browser does not say
    const ours = applicationServerKey();
    const theirs = new Uint8Array(key);
    return theirs.length === ours.length && theirs.every((byte, i) => byte === ours[i]);
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfInput ? csrfInput.value : "" },
      body: JSON.stringify(data),
    });
  }

  async function current() {
    const registration = await navigator.serviceWorker.ready;
    return [registration, await registration.pushManager.getSubscription()];
  }

  function subscribe(registration) {
    return registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: applicationServerKey(),
    });
  }

  async function allow() {
    if ((await Notification.requestPermission()) !== "granted") {
      status.textContent = S.denied;
      return;
    }
    const [registration, existing] = await current();
    if (existing && !madeWithOurKey(existing)) await existing.unsubscribe(); // the site's key changed
    const subscription = existing && madeWithOurKey(existing) ? existing : await subscribe(registration);
    let response = await post(config.subscribeUrl, subscription.toJSON());
    if (response.status === 409) {
      // This browser showed another member's notifications: a new subscription is this member's.
      await subscription.unsubscribe();
      response = await post(config.subscribeUrl, (await subscribe(registration)).toJSON());
    }
    if (!response.ok) throw new Error("subscribe: " + response.status);
    window.location.reload();
  }

  async function stop() {
    const [, subscription] = await current();
    if (subscription) {
      await post(config.unsubscribeUrl, { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    window.location.reload();
  }

  async function show() {
    if (Notification.permission === "denied") {
      status.textContent = S.denied;
      button.hidden = true;
      return;
    }
    const [, subscription] = await current();
    const row = subscription && rows.find((li) => li.dataset.endpoint === subscription.endpoint);
    if (row) {
      const mark = row.querySelector(".this-device");
      mark.textContent = "(" + S.thisDevice + ")";
      mark.hidden = false;
      row.dataset.thisDevice = "1";
    }
    button.dataset.on = row ? "1" : "";
    button.textContent = row ? S.stop : S.allow;
    button.hidden = false;
  }

  button.addEventListener("click", () => {
    button.disabled = true;
    status.textContent = "";
    (button.dataset.on ? stop() : allow())
      .catch(() => {
        status.textContent = S.failed;
      })
      .finally(() => {
        button.disabled = false;
      });
  });

  // Removing this device from the list also stops it in the browser, so nothing is left behind.
  document.addEventListener("submit", (event) => {
    const row = event.target.closest && event.target.closest("[data-this-device]");
    if (!row || event.target.dataset.done) return;
    event.preventDefault();
    event.target.dataset.done = "1";
    current()
      .then(([, subscription]) => subscription && subscription.unsubscribe())
      .catch(() => {})
      .finally(() => event.target.submit());
  });

  show().catch(() => {
    status.textContent = S.unsupported;
  });
})();
