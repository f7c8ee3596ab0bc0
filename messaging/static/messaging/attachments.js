// The composer's files and images (issue #16): an attach button, drag and drop onto the
// conversation, and paste of images. Each file is uploaded at once (POST /api/messages/attachments)
// and waits in the tray under the text box; chat.js takes the tray's attachments into the next
// `send` frame through window.CoworkingAttachments. Without JavaScript the form's own file input
// posts the files with the message. Names only ever reach the page through textContent.
(() => {
  "use strict";
  const chat = document.getElementById("chat");
  const form = document.getElementById("chat-form");
  const tray = document.getElementById("chat-tray");
  const config = readJson("chat-attachments-config");
  // Without the live chat (chat.js needs WebSockets) the form posts its own file input.
  if (!chat || !form || !tray || !config || !window.fetch || !window.FormData || !("WebSocket" in window)) return;
  const S = config.strings || {};
  const input = form.querySelector('input[type="file"]');
  const csrf = form.querySelector('input[name="csrfmiddlewaretoken"]');
  if (!input || !csrf) return;

  // {file, state: "uploading" | "ready" | "failed", attachment, detail}
  const items = [];

  function readJson(id) {
    const element = document.getElementById(id);
    if (!element) return null;
    try {
      return JSON.parse(element.textContent);
    } catch {
      return null;
    }
  }

  // --- the composer -----------------------------------------------------------------------

  const field = input.closest(".field");
  if (field) field.hidden = true; // the button below opens the same input
  input.removeAttribute("name"); // uploaded by fetch: never posted again with the form
  const button = document.createElement("button");
  button.type = "button";
  button.className = "outline chat-attach";
  button.textContent = "📎";
  button.title = S.attach || "";
  button.setAttribute("aria-label", S.attach || "");
  button.addEventListener("click", () => input.click());
  const actions = form.querySelector(".chat-form-actions") || form;
  actions.insertBefore(button, actions.firstChild);
  const notice = document.createElement("p");
  notice.className = "chat-tray-notice";
  notice.setAttribute("role", "alert");
  notice.hidden = true;
  tray.after(notice);

  input.addEventListener("change", () => {
    addFiles(Array.from(input.files || []));
    input.value = "";
  });

  function hasFiles(event) {
    return !!event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files");
  }
  chat.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    chat.classList.add("chat-dropping");
  });
  chat.addEventListener("dragleave", (event) => {
    if (!chat.contains(event.relatedTarget)) chat.classList.remove("chat-dropping");
  });
  chat.addEventListener("drop", (event) => {
    chat.classList.remove("chat-dropping");
    if (!hasFiles(event)) return;
    event.preventDefault();
    addFiles(Array.from(event.dataTransfer.files || []));
  });
  form.addEventListener("paste", (event) => {
    const files = Array.from((event.clipboardData && event.clipboardData.items) || [])
      .filter((item) => item.kind === "file" && item.type.startsWith("image/"))
      .map((item) => item.getAsFile())
      .filter(Boolean);
    if (!files.length) return; // text is pasted as usual
    event.preventDefault();
    addFiles(files);
  });

  // --- uploads ------------------------------------------------------------------------------

  function say(text) {
    notice.textContent = text || "";
    notice.hidden = !text;
  }

  function addFiles(files) {
    say("");
    for (const file of files) {
      if (items.filter((item) => item.state !== "failed").length >= config.perMessage) {
        say(S.tooMany);
        break;
      }
      if (file.size > config.maxBytes) {
        say(S.tooLarge);
        continue;
      }
      const item = { file: file, state: "uploading", attachment: null, detail: "" };
      items.push(item);
      upload(item);
    }
    render();
  }

  async function upload(item) {
    const body = new FormData();
    body.append("conversation", String(config.conversation));
    body.append("file", item.file, item.file.name || "image.png");
    try {
      const response = await fetch(config.uploadUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf.value, Accept: "application/json" },
      });
      const data = await response.json().catch(() => ({}));
      if (response.status === 201) {
        item.state = "ready";
        item.attachment = data;
      } else {
        item.state = "failed";
        item.detail = data.detail || S.failed;
      }
    } catch {
      item.state = "failed";
      item.detail = S.failed;
    }
    render();
  }

  function render() {
    tray.replaceChildren();
    for (const item of items) {
      const element = document.createElement("li");
      element.className = "chat-tray-item " + item.state;
      const thumbnail = item.attachment && item.attachment.thumbnail_url;
      if (thumbnail && thumbnail.startsWith("/") && !thumbnail.startsWith("//")) {
        const img = document.createElement("img");
        img.src = thumbnail;
        img.alt = "";
        element.appendChild(img);
      }
      const name = document.createElement("span");
      name.className = "chat-tray-name";
      name.textContent = (item.attachment && item.attachment.name) || item.file.name || "";
      element.appendChild(name);
      if (item.state !== "ready") {
        const state = document.createElement("small");
        state.className = "chat-tray-state";
        state.textContent = item.state === "uploading" ? S.uploading || "…" : item.detail;
        element.appendChild(state);
      }
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "outline chat-tray-remove";
      remove.textContent = "×";
      remove.title = S.remove || "";
      remove.setAttribute("aria-label", (S.remove || "") + " " + name.textContent);
      // Not sent: the upload waits on the server and is deleted after a day.
      remove.addEventListener("click", () => {
        items.splice(items.indexOf(item), 1);
        render();
      });
      element.appendChild(remove);
      tray.appendChild(element);
    }
    tray.hidden = items.length === 0;
  }

  // --- for chat.js ------------------------------------------------------------------------

  window.CoworkingAttachments = {
    busy() {
      const uploading = items.some((item) => item.state === "uploading");
      if (uploading) say(S.waitForUploads);
      return uploading;
    },
    count() {
      return items.filter((item) => item.state === "ready").length;
    },
    // The uploaded attachments for the message being sent; the tray starts empty again.
    take() {
      const ready = items.filter((item) => item.state === "ready").map((item) => item.attachment);
      items.length = 0;
      say("");
      render();
      return ready;
    },
  };
})();
