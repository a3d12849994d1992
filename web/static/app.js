// Staff web chat for the peer-role training assistant. Plain JS, no build step, no
// network access except POSTs to this page's own webhook (/chat/webhook).
"use strict";

(function () {
  const WEBHOOK = "/chat/webhook";
  const STORE_KEY = "peer-chat.v1";
  const MAX_KEPT = 200;          // transcript entries kept in localStorage
  const TIMEOUT_MS = 30000;

  const log = document.getElementById("log");
  const typing = document.getElementById("typing");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const sendButton = document.getElementById("send");
  const newButton = document.getElementById("new-conversation");

  let state = loadState();
  let busy = false;

  // ---- storage (falls back to memory when localStorage is unavailable) ----

  function newSenderId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function loadState() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORE_KEY));
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.messages)) {
        return saved;
      }
    } catch (e) { /* no storage or corrupt entry: start fresh */ }
    return { sender: newSenderId(), messages: [] };
  }

  function saveState() {
    state.messages = state.messages.slice(-MAX_KEPT);
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) { /* private mode or quota: the chat still works, it just won't survive a reload */ }
  }

  // ---- rendering ----

  // Bare http(s) URLs and markdown links [title](url); trailing punctuation stays text.
  const LINK = /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])/g;

  function appendLinkified(parent, text) {
    let last = 0;
    for (const match of text.matchAll(LINK)) {
      if (match.index > last) parent.append(text.slice(last, match.index));
      const a = document.createElement("a");
      a.href = match[2] || match[3];
      a.textContent = match[1] || match[3];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.append(a);
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  function renderText(container, text) {
    for (const line of String(text).split("\n")) {
      const p = document.createElement("p");
      if (/^\s*Source:/i.test(line)) p.className = "source";
      if (line.trim() === "") p.className = "gap";
      appendLinkified(p, line);
      container.append(p);
    }
  }

  function renderButtons(container, buttons) {
    const group = document.createElement("div");
    group.className = "quick-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    for (const b of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title || b.payload;
      button.addEventListener("click", () => {
        send({ message: String(b.payload || b.title) }, b.title || b.payload);
      });
      group.append(button);
    }
    container.append(group);
  }

  function messageElement(entry) {
    const el = document.createElement("div");
    el.className = "msg " + entry.from;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = entry.from === "user" ? "You said: " : "Assistant: ";
    el.append(who);
    const body = document.createElement("div");
    body.className = "body";
    renderText(body, entry.text || "");
    el.append(body);
    return el;
  }

  // Quick replies belong to the latest assistant turn only: older ones are not shown,
  // so a click always answers the question currently asked.
  function renderAll() {
    log.replaceChildren();
    const lastUser = state.messages.map((m) => m.from).lastIndexOf("user");
    state.messages.forEach((entry, i) => {
      const el = messageElement(entry);
      if (entry.buttons && entry.buttons.length && i > lastUser) renderButtons(el, entry.buttons);
      log.append(el);
    });
    scrollToEnd();
  }

  function addEntry(entry, remember) {
    if (entry.from === "user") {
      for (const group of log.querySelectorAll(".quick-replies")) group.remove();
    }
    const el = messageElement(entry);
    if (entry.buttons && entry.buttons.length) renderButtons(el, entry.buttons);
    log.append(el);
    if (remember) {
      state.messages.push(entry);
      saveState();
    }
    scrollToEnd();
    return el;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function setBusy(value) {
    busy = value;
    typing.hidden = !value;
    sendButton.disabled = value;
    for (const button of log.querySelectorAll(".quick-replies button")) button.disabled = value;
    log.setAttribute("aria-busy", value ? "true" : "false");
    if (value) scrollToEnd();
  }

  // ---- talking to the server ----

  // payload: {message: "..."} or {start: true} (the server answers with its greeting).
  async function post(payload) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const res = await fetch(WEBHOOK, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ sender: state.sender }, payload)),
        signal: controller.signal,
      });
      let data = null;
      try { data = await res.json(); } catch (e) { /* not JSON: handled below */ }
      if (!res.ok || !Array.isArray(data)) {
        const err = new Error("HTTP " + res.status);
        err.status = res.status;
        err.replies = Array.isArray(data) ? data : [];
        throw err;
      }
      return data;
    } finally {
      clearTimeout(timer);
    }
  }

  function toEntry(reply) {
    let text = typeof reply.text === "string" ? reply.text : "";
    if (reply.image) text += (text ? "\n" : "") + "Image: " + reply.image;
    const buttons = Array.isArray(reply.buttons)
      ? reply.buttons
          .filter((b) => b && (b.payload || b.title))
          .map((b) => ({ title: String(b.title || b.payload), payload: String(b.payload || b.title) }))
      : [];
    return { from: "bot", text: text, buttons: buttons };
  }

  // shown: what appears in the user's bubble (a button's title), or null to send unseen.
  async function send(payload, shown) {
    if (busy) return;
    if (shown !== null) addEntry({ from: "user", text: shown }, true);
    setBusy(true);
    try {
      const replies = (await post(payload)).map(toEntry).filter((e) => e.text || e.buttons.length);
      if (replies.length === 0) {
        addEntry({ from: "notice", text: "The assistant had nothing to say to that. Try rephrasing, or ask \"what can you do?\"" }, false);
      }
      for (const entry of replies) addEntry(entry, true);
    } catch (err) {
      showError(payload, err);
    } finally {
      setBusy(false);
    }
    // A clicked quick reply has just been removed: give keyboard users the input back.
    if (!document.activeElement || document.activeElement === document.body) input.focus();
  }

  function showError(payload, err) {
    const serverSaid = err.replies && err.replies[0] && err.replies[0].text;
    let text;
    if (!err.status) {
      text = "Sorry, I can't reach the assistant right now. The server may be restarting or not running. " +
             "Please try again in a moment.";
    } else {
      text = serverSaid || "Sorry, something went wrong on the assistant's side. Please try again in a moment.";
    }
    const el = addEntry({ from: "error", text: text }, false);
    el.setAttribute("role", "alert");
    const again = document.createElement("button");
    again.type = "button";
    again.className = "secondary";
    again.textContent = "Try again";
    again.addEventListener("click", () => {
      el.remove();
      send(payload, null);
    });
    el.append(again);
  }

  // ---- wiring ----

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    fitInput();
    send({ message: text }, text);
  });

  // A textarea, so a pasted job description keeps its lines: Enter sends, Shift+Enter adds a line.
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  function fitInput() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 4, 160) + "px";
  }
  input.addEventListener("input", fitInput);

  newButton.addEventListener("click", () => {
    if (busy) return;
    state = { sender: newSenderId(), messages: [] };
    saveState();
    renderAll();
    send({ start: true }, null);
    input.focus();
  });

  // The same conversation open in two tabs: show what the other tab added.
  window.addEventListener("storage", (event) => {
    if (event.key === STORE_KEY && !busy) {
      state = loadState();
      renderAll();
    }
  });

  // Rotating a phone or opening its keyboard shrinks the log: keep the latest message in view.
  window.addEventListener("resize", scrollToEnd);

  // A personal invite link (/chat/?code=BND-7K4Q) opens a fresh conversation and sends its
  // code as the first message: the code carries the trainee's name, so none is asked.
  const params = new URLSearchParams(window.location.search);
  const inviteCode = (params.get("code") || "").trim().toUpperCase();
  if (params.has("code")) window.history.replaceState(null, "", window.location.pathname);
  if (/^[A-Z]{3}-?[A-Z0-9]{4}$/.test(inviteCode)) {
    state = { sender: newSenderId(), messages: [] };
    saveState();
    renderAll();
    send({ message: inviteCode }, inviteCode);
  } else {
    renderAll();
    if (state.messages.length === 0) {
      saveState();
      send({ start: true }, null);
    }
  }
  input.focus();
})();
