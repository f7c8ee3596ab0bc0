// Live chat on every page of a logged-in member: one WebSocket per tab carries all conversations
// (protocol: ARCHITECTURE.md, /ws/chat/). The database is the truth; frames are hints that may be
// dropped, so the client reconnects with backoff, asks for `sync` with the last id it saw, spots
// `seq` gaps, and resends what it typed offline with the same `client_id` (the server stores it once).
// User text only ever reaches the page through textContent.
(() => {
  "use strict";
  const configElement = document.getElementById("chat-config");
  if (!configElement || !("WebSocket" in window)) return;
  const config = JSON.parse(configElement.textContent);
  const S = config.strings || {};
  const me = config.username;

  const chat = document.getElementById("chat");
  const page = chat
    ? {
        conversation: Number(chat.dataset.conversation),
        kind: chat.dataset.kind,
        viewingOlder: chat.dataset.viewingOlder === "1",
        messagesUrl: chat.dataset.messagesUrl,
        list: document.getElementById("chat-messages"),
        scroller: document.getElementById("chat-scroll"),
        form: document.getElementById("chat-form"),
        typing: document.getElementById("chat-typing"),
        status: document.getElementById("chat-status"),
        older: document.getElementById("chat-older"),
        names: readJson("chat-names") || {},
        avatars: readJson("chat-avatars") || {},
        mentionable: readJson("chat-mentionable") || [],
        // username -> id of the newest message they read (direct and group conversations).
        reads: readJson("chat-reads") || {},
        loadingOlder: false,
        hasOlder: !!document.getElementById("chat-older"),
      }
    : null;

  const OUTBOX_KEY = "chat-outbox:" + me;
  const state = {
    socket: null,
    synced: false,
    attempt: 0,
    reconnectTimer: null,
    // Where the next `sync` starts: the newest id this tab knows it has.
    lastId: Number(config.lastId) || 0,
    seen: new Set(),
    seenOrder: [],
    lastSeq: new Map(), // conversation -> {seq, id} of the newest message seen
    gapSyncAfter: null,
    unread: new Map(),
    total: Number((document.getElementById("nav-unread") || {}).dataset?.count || 0),
    notificationsUnread: Number((document.getElementById("nav-notifications") || {}).dataset?.count || 0),
    outbox: loadOutbox(),
    readSent: new Map(),
    lastTypingSent: 0,
    typingTimer: null,
  };
  if (page && chat.dataset.syncFrom) {
    // The page's history was read before the nav computed lastId: start from the older point.
    state.lastId = Math.min(state.lastId, Number(chat.dataset.syncFrom) || 0);
  }

  function readJson(id) {
    const element = document.getElementById(id);
    if (!element) return null;
    try {
      return JSON.parse(element.textContent);
    } catch {
      return null;
    }
  }

  function loadOutbox() {
    try {
      return JSON.parse(sessionStorage.getItem(OUTBOX_KEY) || "[]");
    } catch {
      return [];
    }
  }

  function saveOutbox() {
    try {
      sessionStorage.setItem(OUTBOX_KEY, JSON.stringify(state.outbox));
    } catch {
      /* private mode: the queue lives as long as the page */
    }
  }

  function remember(id) {
    if (state.seen.has(id)) return false;
    state.seen.add(id);
    state.seenOrder.push(id);
    if (state.seenOrder.length > 5000) state.seen.delete(state.seenOrder.shift());
    return true;
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // --- the socket -------------------------------------------------------------------------

  function connect() {
    clearTimeout(state.reconnectTimer);
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + config.wsPath);
    state.socket = socket;
    state.synced = false;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      state.attempt = 0;
      state.sessionEnded = false;
      socket.send(JSON.stringify({ type: "sync", after: state.lastId }));
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      handle(frame);
    });
    socket.addEventListener("close", (event) => {
      if (state.socket !== socket) return;
      state.socket = null;
      state.synced = false;
      if (!opened && state.sessionEnded) {
        // The session ended (logout elsewhere, password changed, account closed) and the server
        // refuses this tab now: reload, which shows the page as it is for them (or the login).
        window.location.reload();
        return;
      }
      showStatus();
      if (event.code === SESSION_ENDED) {
        // Maybe only this session's key changed (a password change in this tab): try once more,
        // in a moment, so a tab that is logging out itself has already moved on to the next page.
        state.sessionEnded = true;
        clearTimeout(state.reconnectTimer);
        state.reconnectTimer = setTimeout(connect, 1500);
        return;
      }
      scheduleReconnect();
    });
  }

  const SESSION_ENDED = 4001; // close code: this socket's session is over (README, protocol)

  function scheduleReconnect() {
    // Exponential backoff with jitter, so a restarted server is not hit by every tab at once.
    const ceiling = Math.min(30000, 500 * 2 ** state.attempt);
    state.attempt += 1;
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  }

  function reconnectSoon() {
    if (state.socket) return;
    state.attempt = 0;
    scheduleReconnect();
  }

  function sendFrame(frame) {
    if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return false;
    state.socket.send(JSON.stringify(frame));
    return true;
  }

  function showStatus() {
    if (!page || !page.status) return;
    const offline = !state.synced && state.outbox.length > 0;
    page.status.hidden = !offline;
    page.status.textContent = offline ? S.offline || "" : "";
  }

  // --- frames from the server -------------------------------------------------------------

  function handle(frame) {
    switch (frame.type) {
      case "message":
        onMessage(frame.message);
        break;
      case "ack":
        onAck(frame.client_id, frame.message);
        break;
      case "message_updated":
        onUpdated(frame.message);
        break;
      case "synced":
        onSynced(frame.last);
        break;
      case "error":
        onError(frame);
        break;
      case "typing":
        onTyping(frame);
        break;
      case "read":
        onRead(frame);
        break;
      case "presence":
        onPresence(frame.username, frame.online);
        break;
      case "unread":
        if (frame.conversation != null) setUnread(frame.conversation, frame.count);
        if (typeof frame.total === "number") setTotal(frame.total);
        break;
      case "notification":
        onNotification(frame.notification);
        break;
      case "notification_unread":
        state.notificationsUnread = Math.max(0, Number(frame.count) || 0);
        setBadge(document.getElementById("nav-notifications"), state.notificationsUnread);
        setFoldedBadge();
        break;
      default:
        break;
    }
  }

  function noteSeq(message) {
    const previous = state.lastSeq.get(message.conversation);
    if (previous && state.synced && message.seq > previous.seq + 1) {
      // A frame went missing (the channel layer drops when a socket falls behind): catch up.
      requestGapSync(previous.id);
    }
    if (!previous || message.seq > previous.seq) {
      state.lastSeq.set(message.conversation, { seq: message.seq, id: message.id });
    }
  }

  function requestGapSync(after) {
    if (state.gapSyncAfter !== null && state.gapSyncAfter <= after) return;
    state.gapSyncAfter = after;
    if (sendFrame({ type: "sync", after: after })) state.synced = false;
  }

  function onMessage(message) {
    noteSeq(message);
    if (!remember(message.id)) {
      onUpdated(message); // a sync may bring a newer state of one already shown
      return;
    }
    if (message.id > state.lastId) state.lastId = message.id;
    const mine = message.sender === me;
    const here = page && message.conversation === page.conversation;
    if (here && !page.viewingOlder) {
      insertMessage(message);
    }
    if (here && !mine) {
      // Their message is here: they are no longer typing it.
      clearTimeout(state.typingTimer);
      page.typing.textContent = "";
    }
    updatePreview(message);
    if (!mine) {
      if (here && pageIsWatched()) {
        markRead();
      } else {
        setUnread(message.conversation, (state.unread.get(message.conversation) || 0) + 1);
        setTotal(state.total + 1);
      }
    }
  }

  function onAck(clientId, message) {
    state.outbox = state.outbox.filter((item) => item.client_id !== clientId);
    saveOutbox();
    showStatus();
    // Answering accepts a request: the banner has said what it had to say.
    if (page && message.conversation === page.conversation) {
      const request = chat.querySelector(".chat-request");
      if (request) request.hidden = true;
    }
    const pending = page ? page.list.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`) : null;
    noteSeq(message);
    const fresh = remember(message.id);
    if (message.id > state.lastId) state.lastId = message.id;
    if (!pending) {
      if (fresh && page && message.conversation === page.conversation && !page.viewingOlder) insertMessage(message);
      return;
    }
    if (!fresh) {
      pending.remove(); // the broadcast got here first and is already on the page
      return;
    }
    pending.remove();
    insertMessage(message);
    updatePreview(message);
  }

  function onSynced(last) {
    if (typeof last === "number" && last > state.lastId) state.lastId = last;
    state.synced = true;
    state.gapSyncAfter = null;
    // The server follows `synced` with the authoritative unread counts.
    state.unread.forEach((_count, conversation) => setUnread(conversation, 0));
    setTotal(0);
    showStatus();
    flushOutbox();
  }

  function onError(frame) {
    if (!frame.client_id) {
      if (window.console) console.warn("chat:", frame.code, frame.detail);
      return;
    }
    const item = state.outbox.find((entry) => entry.client_id === frame.client_id);
    if (!item) return;
    if (frame.code === "rate_limited" || frame.code === "unavailable") {
      // Kept in the outbox with its client_id: retried later, stored at most once.
      setTimeout(flushOutbox, 5000);
      return;
    }
    state.outbox = state.outbox.filter((entry) => entry !== item);
    saveOutbox();
    showStatus();
    const pending = page && page.list.querySelector(`[data-client-id="${CSS.escape(item.client_id)}"]`);
    if (pending) markFailed(pending, item, frame.detail || S.notDelivered);
  }

  function onTyping(frame) {
    if (!page || frame.conversation !== page.conversation || frame.username === me) return;
    const name = page.names[frame.username] || frame.username;
    page.typing.textContent = (S.typing || "%(name)s…").replace("%(name)s", name);
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => {
      page.typing.textContent = "";
    }, 4000);
  }

  function onRead(frame) {
    if (!page || frame.conversation !== page.conversation || frame.username === me) return;
    if ((page.reads[frame.username] || 0) >= frame.message) return;
    page.reads[frame.username] = frame.message;
    renderReceipts();
  }

  // A message's newer state (edit, delete, reaction): applied only over an older version.
  function onUpdated(message) {
    if (!message || !page || message.conversation !== page.conversation) return;
    const element = document.getElementById("message-" + message.id);
    if (!element || element.classList.contains("editing")) return;
    if (Number(element.dataset.version || 1) >= (message.version || 1)) return;
    element.replaceWith(buildMessage(message));
    renderReceipts();
  }

  // Receipts: in a direct conversation "Seen" under the newest of my messages the other read; in a
  // group, each member's name under the newest message they read. Lobby rooms have none.
  function renderReceipts() {
    if (!page || page.kind === "room") return;
    page.list.querySelectorAll(".chat-receipt").forEach((element) => element.remove());
    const items = Array.from(page.list.querySelectorAll(".chat-message[data-id]"));
    const readers = new Map(); // element -> names
    for (const [username, upto] of Object.entries(page.reads)) {
      let target = null;
      for (const element of items) {
        if (Number(element.dataset.id) > upto) break;
        if (page.kind !== "direct" || element.classList.contains("mine")) target = element;
      }
      if (!target) continue;
      if (!readers.has(target)) readers.set(target, []);
      readers.get(target).push(page.names[username] || username);
    }
    readers.forEach((names, element) => {
      const receipt = document.createElement("span");
      receipt.className = "chat-receipt";
      receipt.textContent = page.kind === "direct" ? S.seen || "Seen" : (S.seenBy || "Seen by %(names)s").replace("%(names)s", names.join(", "));
      element.querySelector(".chat-bubble").appendChild(receipt);
    });
  }

  function onPresence(username, online) {
    document.querySelectorAll(`[data-presence="${CSS.escape(username)}"]`).forEach((element) => {
      element.classList.toggle("online", !!online);
      element.title = online ? S.online || "" : S.offline_member || "";
    });
  }

  function onNotification(notification) {
    const list = document.getElementById("nav-notifications-list");
    if (!list || !notification) return;
    const empty = document.getElementById("nav-notifications-empty");
    if (empty) empty.remove();
    const item = document.createElement("li");
    item.dir = "ltr";
    item.className = "notification unread";
    const link = document.createElement("a");
    link.textContent = notification.title;
    link.href = safeUrl(notification.url) || config.notificationsUrl;
    item.appendChild(link);
    list.insertBefore(item, list.firstChild);
    const items = list.querySelectorAll("li.notification");
    for (let i = 5; i < items.length; i += 1) items[i].remove();
  }

  function safeUrl(url) {
    if (typeof url !== "string") return "";
    if (url.startsWith("/") && !url.startsWith("//")) return url;
    if (url.startsWith("https://") || url.startsWith("http://")) return url;
    return "";
  }

  // --- unread badges ----------------------------------------------------------------------

  function setBadge(element, count) {
    if (!element) return;
    const value = Math.max(0, Number(count) || 0);
    element.dataset.count = String(value);
    element.textContent = String(value);
    element.hidden = value === 0;
  }

  function setUnread(conversation, count) {
    state.unread.set(conversation, count);
    document.querySelectorAll(`[data-unread-for="${Number(conversation)}"]`).forEach((element) => setBadge(element, count));
  }

  function setTotal(total) {
    state.total = Math.max(0, total);
    setBadge(document.getElementById("nav-unread"), state.total);
    setFoldedBadge();
  }

  function setFoldedBadge() {
    // On a phone the menu is folded: its button counts unread messages and notifications.
    setBadge(document.getElementById("nav-unread-folded"), state.total + state.notificationsUnread);
  }

  function updatePreview(message) {
    const preview = document.querySelector(`[data-preview-for="${Number(message.conversation)}"]`);
    if (!preview) return;
    const name = (page && page.names[message.sender]) || message.sender;
    const files = (message.attachments || []).map((a) => a.name).join(", ");
    // A deleted message says so; one of files only shows their names.
    const text = message.deleted ? S.deleted || "" : message.body || files;
    preview.textContent = name + ": " + (text.length > 100 ? text.slice(0, 99) + "…" : text);
  }

  // --- the conversation page --------------------------------------------------------------

  function pageIsWatched() {
    if (!page || page.viewingOlder || document.visibilityState !== "visible") return false;
    const scroller = page.scroller;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  }

  function markRead() {
    if (!page) return;
    const items = page.list.querySelectorAll(".chat-message[data-id]");
    if (!items.length) return;
    const newest = Number(items[items.length - 1].dataset.id);
    if ((state.readSent.get(page.conversation) || 0) >= newest) return;
    if (sendFrame({ type: "read", conversation: page.conversation, message: newest })) {
      state.readSent.set(page.conversation, newest);
    }
  }

  // Belgian dd/mm/yyyy HH:MM, as the server renders it (messaging/dates.js).
  function formatTime(iso) {
    return window.communityDates ? window.communityDates.formatDateTime(iso) : iso;
  }

  function buildAvatar(username, url) {
    if (url) {
      const image = document.createElement("img");
      image.className = "avatar small chat-avatar";
      image.src = safeUrl(url);
      image.alt = "";
      image.width = 32;
      image.height = 32;
      return image;
    }
    const initials = document.createElement("span");
    initials.className = "avatar small chat-avatar";
    initials.setAttribute("aria-hidden", "true");
    const name = (page && page.names[username]) || username || "?";
    initials.textContent = name
      .split(/\s+/)
      .filter((word) => /^[\p{L}\p{N}]/u.test(word))
      .slice(0, 2)
      .map((word) => word[0].toUpperCase())
      .join("") || "?";
    return initials;
  }

  // The same two patterns as messaging/text.py: http(s) links, and @username of a known member.
  const TOKEN = /https?:\/\/[^\s<>"']+|(?<![\p{L}\p{N}_@.+-])@([\p{L}\p{N}_.@+-]+)/giu;
  const TRAILING = ".,;:!?)]}'\"";

  function renderBody(container, text) {
    let position = 0;
    for (const match of text.matchAll(TOKEN)) {
      container.appendChild(document.createTextNode(text.slice(position, match.index)));
      let token = match[0];
      let tail = "";
      if (token.startsWith("@")) {
        const name = token.slice(1).replace(/[.-]+$/, "");
        tail = token.slice(1 + name.length);
        if (page && (name in page.names || page.mentionable.includes(name))) {
          const mention = document.createElement("span");
          mention.className = "mention" + (name === me ? " me" : "");
          mention.textContent = "@" + name;
          container.appendChild(mention);
        } else {
          container.appendChild(document.createTextNode(token.slice(0, 1 + name.length)));
        }
      } else {
        let url = token;
        while (url && TRAILING.includes(url[url.length - 1])) url = url.slice(0, -1);
        while (token.slice(url.length).startsWith(")") && (url.match(/\(/g) || []).length > (url.match(/\)/g) || []).length) url += ")";
        tail = token.slice(url.length);
        const link = document.createElement("a");
        link.href = url;
        link.rel = "noopener nofollow ugc";
        link.target = "_blank";
        link.textContent = url;
        container.appendChild(link);
      }
      container.appendChild(document.createTextNode(tail));
      position = match.index + match[0].length;
    }
    container.appendChild(document.createTextNode(text.slice(position)));
  }

  function buildReactions(message) {
    const list = document.createElement("ul");
    list.className = "chat-reactions";
    for (const reaction of message.reactions || []) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      const mine = (reaction.usernames || []).includes(me);
      button.className = "chat-reaction" + (mine ? " mine" : "");
      button.dataset.emoji = reaction.emoji;
      button.setAttribute("aria-pressed", mine ? "true" : "false");
      button.title = (reaction.usernames || []).map((u) => (page && page.names[u]) || u).join(", ");
      button.textContent = reaction.emoji + " " + reaction.count;
      item.appendChild(button);
      list.appendChild(item);
    }
    return list;
  }

  function buildMessage(message, options = {}) {
    const item = document.createElement("li");
    item.className = "chat-message" + (message.sender === me ? " mine" : "") + (message.deleted ? " deleted" : "");
    if (message.id) {
      item.id = "message-" + message.id;
      item.dataset.id = String(message.id);
      item.dataset.seq = String(message.seq);
      item.dataset.version = String(message.version || 1);
    }
    item.dataset.sender = message.sender;
    item.appendChild(buildAvatar(message.sender, message.sender_avatar || (page && page.avatars[message.sender])));
    const bubble = document.createElement("div");
    bubble.className = "chat-bubble";
    const meta = document.createElement("span");
    meta.className = "chat-meta";
    const sender = document.createElement("strong");
    sender.className = "chat-sender";
    sender.textContent = (page && page.names[message.sender]) || message.sender_name || message.sender;
    meta.appendChild(sender);
    meta.appendChild(document.createTextNode(" "));
    const time = document.createElement("time");
    if (message.created) {
      time.dateTime = message.created;
      time.textContent = formatTime(message.created);
    } else {
      time.textContent = S.sending || "…";
    }
    meta.appendChild(time);
    if (message.edited && !message.deleted) {
      const edited = document.createElement("span");
      edited.className = "chat-edited";
      edited.textContent = " " + (S.edited || "(edited)");
      meta.appendChild(edited);
    }
    const body = document.createElement("p");
    body.className = "chat-body";
    if (message.deleted) {
      body.classList.add("chat-deleted");
      body.textContent = S.deleted || "Message deleted";
    } else {
      renderBody(body, message.body);
    }
    bubble.appendChild(meta);
    bubble.appendChild(body);
    if (!message.deleted) renderAttachments(bubble, message);
    if (!message.deleted && (message.reactions || []).length) bubble.appendChild(buildReactions(message));
    item.appendChild(bubble);
    if (options.clientId) {
      item.classList.add("pending");
      item.dataset.clientId = options.clientId;
    } else if (message.id) {
      addActions(item);
    }
    return item;
  }

  // --- edit, delete, react -------------------------------------------------------------------

  const REACTIONS = ["👍", "❤️", "😂", "🎉", "🙏", "👀"];

  function addActions(item) {
    if (item.classList.contains("deleted") || item.querySelector(".chat-actions")) return;
    const actions = document.createElement("span");
    actions.className = "chat-actions";
    const react = document.createElement("button");
    react.type = "button";
    react.className = "chat-action";
    react.dataset.action = "react";
    react.setAttribute("aria-label", S.react || "React");
    react.setAttribute("aria-expanded", "false");
    react.textContent = "☺";
    actions.appendChild(react);
    if (item.classList.contains("mine")) {
      for (const [action, label] of [["edit", S.edit || "Edit"], ["delete", S.delete || "Delete"]]) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "chat-action";
        button.dataset.action = action;
        button.textContent = label;
        actions.appendChild(button);
      }
    } else if (config.reportUrl) {
      const report = document.createElement("button");
      report.type = "button";
      report.className = "chat-action";
      report.dataset.action = "report";
      report.textContent = S.report || "Report";
      actions.appendChild(report);
    }
    const bubble = item.querySelector(".chat-bubble");
    bubble.tabIndex = 0; // a tap or Tab gives it focus, which shows its actions
    bubble.appendChild(actions);
  }

  function toggleReactionPicker(item, button) {
    const open = item.querySelector(".chat-reaction-picker");
    if (open) {
      open.remove();
      button.setAttribute("aria-expanded", "false");
      return;
    }
    const picker = document.createElement("span");
    picker.className = "chat-reaction-picker";
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", S.react || "React");
    for (const emoji of REACTIONS) {
      const choice = document.createElement("button");
      choice.type = "button";
      choice.className = "chat-reaction-choice";
      choice.dataset.emoji = emoji;
      choice.textContent = emoji;
      picker.appendChild(choice);
    }
    button.after(picker);
    button.setAttribute("aria-expanded", "true");
    picker.querySelector("button").focus();
  }

  function react(item, emoji) {
    const mine = item.querySelector(`.chat-reaction.mine[data-emoji="${CSS.escape(emoji)}"]`);
    sendFrame({ type: "react", message: Number(item.dataset.id), emoji: emoji, on: !mine });
  }

  function startEdit(item) {
    if (item.classList.contains("editing")) return;
    const body = item.querySelector(".chat-body");
    const id = Number(item.dataset.id);
    const original = body.textContent;
    item.classList.add("editing");
    const form = document.createElement("form");
    form.className = "chat-edit";
    const field = document.createElement("textarea");
    field.value = original;
    field.maxLength = 4000;
    field.rows = 2;
    field.setAttribute("aria-label", S.edit || "Edit");
    const save = document.createElement("button");
    save.type = "submit";
    save.textContent = S.save || "Save";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary outline";
    cancel.textContent = S.cancel || "Cancel";
    form.append(field, save, cancel);
    body.hidden = true;
    body.after(form);
    field.focus();
    const close = () => {
      form.remove();
      body.hidden = false;
      item.classList.remove("editing");
    };
    cancel.addEventListener("click", close);
    field.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = field.value.trim();
      if (!text) return;
      if (text !== original) sendFrame({ type: "edit", message: id, body: text });
      close();
    });
  }

  // A report goes to the moderators over the JSON API (POST /api/moderation/reports), not the socket.
  function startReport(item) {
    if (item.querySelector(".chat-report")) return;
    const form = document.createElement("form");
    form.className = "chat-report";
    const reason = document.createElement("select");
    reason.name = "reason";
    reason.setAttribute("aria-label", S.reportReason || "Reason");
    for (const [value, label] of config.reportReasons || []) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      reason.appendChild(option);
    }
    const note = document.createElement("textarea");
    note.name = "note";
    note.rows = 2;
    note.maxLength = 2000;
    note.placeholder = S.reportNote || "";
    note.setAttribute("aria-label", S.reportNote || "Note");
    const send = document.createElement("button");
    send.type = "submit";
    send.textContent = S.reportSend || "Send the report";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary outline";
    cancel.textContent = S.cancel || "Cancel";
    const status = document.createElement("p");
    status.className = "chat-report-status";
    status.setAttribute("role", "status");
    form.append(reason, note, send, cancel, status);
    item.querySelector(".chat-bubble").after(form);
    reason.focus();
    cancel.addEventListener("click", () => form.remove());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      send.disabled = true;
      const csrf = document.querySelector('input[name="csrfmiddlewaretoken"]');
      try {
        const response = await fetch(config.reportUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
          body: JSON.stringify({ kind: "message", object_id: Number(item.dataset.id), reason: reason.value, note: note.value }),
        });
        if (response.ok) {
          status.textContent = S.reportSent || "Reported.";
          reason.remove();
          note.remove();
          send.remove();
          cancel.textContent = S.close || "Close";
          return;
        }
        const answer = await response.json().catch(() => ({}));
        status.textContent = answer.detail || S.reportFailed || "";
      } catch (error) {
        status.textContent = S.reportFailed || "";
      }
      send.disabled = false;
    });
  }

  function onMessageClick(event) {
    const button = event.target.closest("button");
    if (!button) return;
    const item = button.closest(".chat-message[data-id]");
    if (!item || item.classList.contains("deleted")) return;
    if (button.classList.contains("chat-reaction") || button.classList.contains("chat-reaction-choice")) {
      react(item, button.dataset.emoji);
      const picker = item.querySelector(".chat-reaction-picker");
      if (picker) picker.remove();
      return;
    }
    switch (button.dataset.action) {
      case "react":
        toggleReactionPicker(item, button);
        break;
      case "edit":
        startEdit(item);
        break;
      case "delete":
        if (window.confirm(S.confirmDelete || "Delete this message?")) {
          sendFrame({ type: "delete", message: Number(item.dataset.id) });
        }
        break;
      case "report":
        startReport(item);
        break;
      default:
        break;
    }
  }

  // --- @mentions: a list of the conversation's members while typing "@na" ---------------------

  function setUpMentions(textarea) {
    if (!page.mentionable.length) return;
    const list = document.createElement("ul");
    list.className = "chat-mention-list";
    list.id = "chat-mention-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    textarea.after(list);
    textarea.setAttribute("aria-controls", list.id);
    let choices = [];
    let active = 0;

    function query() {
      const before = textarea.value.slice(0, textarea.selectionStart);
      const match = before.match(/(?:^|[^\p{L}\p{N}_@.+-])@([\p{L}\p{N}_.@+-]*)$/u);
      return match ? match[1] : null;
    }

    function close() {
      list.hidden = true;
      choices = [];
      textarea.removeAttribute("aria-activedescendant");
    }

    function show() {
      const typed = query();
      if (typed === null) return close();
      const needle = typed.toLowerCase();
      choices = page.mentionable
        .filter((username) => username.toLowerCase().startsWith(needle) || (page.names[username] || "").toLowerCase().split(/\s+/).some((word) => word.startsWith(needle)))
        .slice(0, 8);
      if (!choices.length) return close();
      active = Math.min(active, choices.length - 1);
      list.replaceChildren(
        ...choices.map((username, index) => {
          const option = document.createElement("li");
          option.id = "chat-mention-" + index;
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", index === active ? "true" : "false");
          option.dataset.username = username;
          const name = document.createElement("strong");
          name.textContent = page.names[username] || username;
          option.append(name, document.createTextNode(" @" + username));
          return option;
        }),
      );
      textarea.setAttribute("aria-activedescendant", "chat-mention-" + active);
      list.hidden = false;
    }

    function pick(username) {
      const end = textarea.selectionStart;
      const before = textarea.value.slice(0, end).replace(/@([\p{L}\p{N}_.@+-]*)$/u, "@" + username + " ");
      textarea.value = before + textarea.value.slice(end);
      textarea.selectionStart = textarea.selectionEnd = before.length;
      close();
      textarea.focus();
    }

    textarea.addEventListener("input", () => {
      active = 0;
      show();
    });
    textarea.addEventListener("blur", () => setTimeout(close, 150));
    // Registered before the composer's Enter-to-send: while the list is open, Enter picks a name.
    textarea.addEventListener("keydown", (event) => {
      if (list.hidden || !choices.length) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length;
        show();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        event.stopImmediatePropagation();
        pick(choices[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    list.addEventListener("mousedown", (event) => {
      const option = event.target.closest("[data-username]");
      if (option) {
        event.preventDefault();
        pick(option.dataset.username);
      }
    });
  }

  // --- attachments (issue #16): the server's messaging/_attachments.html, built with textContent ---

  function formatSize(bytes) {
    // As the server's filesizeformat: bytes, then KB, then MB (1024-based).
    const [unit, value] =
      bytes >= 1024 * 1024 ? ["megabyte", bytes / (1024 * 1024)] : bytes >= 1024 ? ["kilobyte", bytes / 1024] : ["byte", bytes];
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, {
        style: "unit",
        unit: unit,
        unitDisplay: unit === "byte" ? "long" : "short",
        maximumFractionDigits: 1,
      }).format(value);
    } catch {
      return String(bytes);
    }
  }

  function renderAttachments(element, message) {
    const attachments = Array.isArray(message.attachments) ? message.attachments : [];
    if (!attachments.length) return;
    const list = document.createElement("ul");
    list.className = "chat-attachments";
    for (const attachment of attachments) {
      const item = document.createElement("li");
      const image = attachment.kind === "image" && safeUrl(attachment.thumbnail_url);
      item.className = "chat-attachment " + (image ? "chat-attachment-image" : "chat-attachment-file");
      const link = document.createElement("a");
      link.href = safeUrl(attachment.url) || "#";
      if (image) {
        link.target = "_blank";
        link.rel = "noopener";
        const img = document.createElement("img");
        img.src = image;
        img.alt = String(attachment.name || "");
        img.loading = "lazy";
        if (attachment.width && attachment.height) {
          img.width = Number(attachment.width);
          img.height = Number(attachment.height);
        }
        link.appendChild(img);
      } else {
        link.setAttribute("download", "");
        const name = document.createElement("span");
        name.className = "chat-attachment-name";
        name.textContent = String(attachment.name || "");
        const size = document.createElement("span");
        size.className = "chat-attachment-size muted";
        size.textContent = formatSize(Number(attachment.size) || 0);
        link.append(name, " ", size);
      }
      item.appendChild(link);
      list.appendChild(item);
    }
    element.appendChild(list);
  }

  function sendItem(item) {
    const frame = { type: "send", conversation: item.conversation, body: item.body, client_id: item.client_id };
    if (item.attachments && item.attachments.length) frame.attachments = item.attachments.map((a) => a.id);
    return sendFrame(frame);
  }

  function insertMessage(message) {
    if (!page) return;
    if (document.getElementById("message-" + message.id)) return;
    const empty = document.getElementById("chat-empty");
    if (empty) empty.remove();
    const stick = pageIsWatched() || message.sender === me;
    const element = buildMessage(message);
    // Keep seq order (a sync may deliver an older one late); pending bubbles stay last.
    let before = page.list.querySelector(".chat-message.pending");
    for (const other of page.list.querySelectorAll(".chat-message[data-seq]")) {
      if (Number(other.dataset.seq) > message.seq) {
        before = other;
        break;
      }
    }
    page.list.insertBefore(element, before);
    renderReceipts();
    if (stick) scrollToBottom();
  }

  function scrollToBottom() {
    page.scroller.scrollTop = page.scroller.scrollHeight;
  }

  function markFailed(element, item, detail) {
    element.classList.remove("pending");
    element.classList.add("failed");
    const note = document.createElement("span");
    note.className = "chat-failure";
    note.textContent = detail;
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "outline";
    retry.textContent = S.retry || "Retry";
    retry.addEventListener("click", () => {
      element.remove();
      queueSend(item.conversation, item.body, item.attachments);
    });
    note.appendChild(retry);
    element.appendChild(note);
  }

  function queueSend(conversation, body, attachments) {
    const item = { client_id: newClientId(), conversation: conversation, body: body, attachments: attachments || [] };
    state.outbox.push(item);
    saveOutbox();
    if (page && conversation === page.conversation) {
      page.list.appendChild(buildMessage({ sender: me, body: body, attachments: item.attachments }, { clientId: item.client_id }));
      const empty = document.getElementById("chat-empty");
      if (empty) empty.remove();
      scrollToBottom();
    }
    if (state.synced) sendItem(item);
    showStatus();
    return item.client_id;
  }

  function flushOutbox() {
    if (!state.synced) return;
    for (const item of state.outbox) {
      sendItem(item);
    }
  }

  function renderPendingFromOutbox() {
    if (!page) return;
    for (const item of state.outbox) {
      if (item.conversation === page.conversation) {
        page.list.appendChild(
          buildMessage({ sender: me, body: item.body, attachments: item.attachments }, { clientId: item.client_id })
        );
      }
    }
  }

  async function loadOlder() {
    if (!page || page.loadingOlder || !page.hasOlder) return;
    const first = page.list.querySelector(".chat-message[data-id]");
    if (!first) return;
    page.loadingOlder = true;
    try {
      const url = `${page.messagesUrl}?before=${Number(first.dataset.id)}&limit=30`;
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      const scroller = page.scroller;
      const fromBottom = scroller.scrollHeight - scroller.scrollTop;
      const fragment = document.createDocumentFragment();
      for (const message of data.results) {
        remember(message.id);
        if (!document.getElementById("message-" + message.id)) fragment.appendChild(buildMessage(message));
      }
      page.list.insertBefore(fragment, page.list.firstChild);
      scroller.scrollTop = scroller.scrollHeight - fromBottom;
      page.hasOlder = data.has_more;
      if (!data.has_more && page.older) {
        const note = document.createElement("span");
        note.className = "muted";
        note.textContent = S.noOlder || "";
        page.older.replaceWith(note);
        page.older = null;
      }
    } finally {
      page.loadingOlder = false;
    }
  }

  function setUpPage() {
    if (!page) return;
    // The same clock format for rendered and live messages, in the reader's time zone.
    page.list.querySelectorAll("time[datetime]").forEach((time) => {
      time.textContent = formatTime(time.dateTime);
    });
    page.list.querySelectorAll(".chat-message[data-id]").forEach((element) => {
      const id = Number(element.dataset.id);
      remember(id);
      const seq = Number(element.dataset.seq);
      const previous = state.lastSeq.get(page.conversation);
      if (!previous || seq > previous.seq) state.lastSeq.set(page.conversation, { seq: seq, id: id });
    });
    page.list.querySelectorAll(".chat-message[data-id]").forEach(addActions);
    page.list.addEventListener("click", onMessageClick);
    renderReceipts();
    renderPendingFromOutbox();
    if (!page.viewingOlder) scrollToBottom();
    const textarea = page.form.querySelector("textarea");
    setUpMentions(textarea);
    page.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = textarea.value.trim();
      if (body.length > 4000) {
        textarea.setCustomValidity(S.tooLong || "4000");
        textarea.reportValidity();
        return;
      }
      // The files uploaded for this message (attachments.js), once none is still uploading.
      const tray = window.CoworkingAttachments;
      if (tray && tray.busy()) return;
      if (!body && !(tray && tray.count())) return;
      textarea.setCustomValidity("");
      queueSend(page.conversation, body, tray ? tray.take() : []);
      textarea.value = "";
    });
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        page.form.requestSubmit();
      }
    });
    textarea.addEventListener("input", () => {
      const now = Date.now();
      if (state.synced && now - state.lastTypingSent > 3000 && textarea.value.trim()) {
        state.lastTypingSent = now;
        sendFrame({ type: "typing", conversation: page.conversation });
      }
    });
    page.scroller.addEventListener("scroll", () => {
      if (page.scroller.scrollTop < 60) loadOlder();
      if (pageIsWatched()) markRead();
    });
    if (page.older) {
      page.older.addEventListener("click", (event) => {
        event.preventDefault();
        loadOlder();
      });
    }
    document.addEventListener("visibilitychange", () => {
      if (pageIsWatched()) markRead();
    });
  }

  window.addEventListener("online", reconnectSoon);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") reconnectSoon();
  });

  setUpPage();
  connect();

  // For browser tests and the curious: the live state and a way to send.
  window.CoworkingChat = { state: state, send: queueSend };
})();
