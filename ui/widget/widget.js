/*
 * Fachkräfte-Assistent Hessen – website widget.
 *
 * Embed with one tag:
 *   <script src="https://ASSISTANT-HOST/widget.js" data-api="https://ASSISTANT-HOST" defer></script>
 *
 * No framework, no build step, no keys in the page. Every text that comes from the
 * API (answers, titles, quotes) is inserted with textContent, never as HTML, so a
 * document containing markup is shown as text. Links are only http(s) URLs.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__fkaWidgetLoaded) return;
  window.__fkaWidgetLoaded = true;
  var api = (script.getAttribute("data-api") || new URL(script.src).origin).replace(/\/+$/, "");
  var title = script.getAttribute("data-title") || "Fachkräfte-Assistent Hessen";
  var history = [];

  var css = [
    ".fka-root{position:fixed;right:20px;bottom:20px;z-index:2147483000;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:#1a1a1a}",
    ".fka-toggle{background:#00457d;color:#fff;border:0;border-radius:28px;padding:14px 20px;font-size:16px;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".fka-toggle:focus-visible,.fka-send:focus-visible,.fka-close:focus-visible,.fka-input:focus-visible,.fka-root a:focus-visible{outline:3px solid #f2b300;outline-offset:2px}",
    ".fka-panel{display:none;flex-direction:column;width:min(400px,calc(100vw - 40px));height:min(580px,calc(100vh - 110px));background:#fff;border:1px solid #c7ccd1;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);margin-bottom:12px;overflow:hidden}",
    ".fka-panel.fka-open{display:flex}",
    ".fka-head{display:flex;align-items:center;justify-content:space-between;background:#00457d;color:#fff;padding:12px 16px}",
    ".fka-head h2{margin:0;font-size:17px}",
    ".fka-close{background:transparent;color:#fff;border:0;font-size:22px;cursor:pointer;line-height:1}",
    ".fka-log{flex:1;overflow-y:auto;padding:12px 14px;background:#f5f7f9}",
    ".fka-msg{margin:0 0 12px;padding:10px 12px;border-radius:10px;max-width:92%;white-space:pre-wrap;word-wrap:break-word}",
    ".fka-user{background:#00457d;color:#fff;margin-left:auto}",
    ".fka-bot{background:#fff;border:1px solid #d5dae0}",
    ".fka-refusal{background:#fff8e1;border:1px solid #e0b600;color:#3d3000}",
    ".fka-cites{margin:8px 0 0;padding:0;list-style:none;font-size:14px}",
    ".fka-cites li{margin-top:6px;border-top:1px solid #e3e7eb;padding-top:6px}",
    ".fka-cites a{color:#00457d;font-weight:600}",
    ".fka-cites blockquote{margin:4px 0 0;padding-left:8px;border-left:3px solid #00457d;color:#333;font-style:italic}",
    ".fka-form{display:flex;gap:8px;padding:10px;border-top:1px solid #d5dae0;background:#fff}",
    ".fka-input{flex:1;border:1px solid #6b7580;border-radius:8px;padding:10px;font-size:15px}",
    ".fka-send{background:#00457d;color:#fff;border:0;border-radius:8px;padding:10px 14px;font-weight:600;cursor:pointer}",
    ".fka-send[disabled]{background:#6b7580;cursor:wait}",
    ".fka-note{font-size:12px;color:#4a535c;padding:0 12px 8px;background:#fff}",
    ".fka-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}"
  ].join("\n");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function safeUrl(url) {
    try {
      var u = new URL(url);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : "";
    } catch (e) {
      return "";
    }
  }

  var style = el("style");
  style.textContent = css;
  document.head.appendChild(style);

  var root = el("div", "fka-root");
  var panel = el("div", "fka-panel");
  panel.id = "fka-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var head = el("div", "fka-head");
  head.appendChild(el("h2", "", title));
  var close = el("button", "fka-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Chat schließen");
  head.appendChild(close);
  var log = el("div", "fka-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Gesprächsverlauf");
  var form = el("form", "fka-form");
  var label = el("label", "fka-sr", "Ihre Frage");
  label.setAttribute("for", "fka-input");
  var input = el("input", "fka-input");
  input.id = "fka-input";
  input.type = "text";
  input.maxLength = 1000;
  input.autocomplete = "off";
  input.placeholder = "Ihre Frage zur Fachkräftesicherung …";
  var send = el("button", "fka-send", "Senden");
  send.type = "submit";
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  var note = el("div", "fka-note", "Antworten nur aus offiziellen Dokumenten, mit Quellen.");
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(form);
  panel.appendChild(note);
  var toggle = el("button", "fka-toggle", "Fragen zur Fachkräftesicherung?");
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", "fka-panel");
  root.appendChild(panel);
  root.appendChild(toggle);
  document.body.appendChild(root);

  function setOpen(open) {
    panel.classList.toggle("fka-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) input.focus(); else toggle.focus();
  }
  toggle.addEventListener("click", function () { setOpen(!panel.classList.contains("fka-open")); });
  close.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });

  function addUser(text) {
    log.appendChild(el("p", "fka-msg fka-user", text));
    log.scrollTop = log.scrollHeight;
  }

  function addAnswer(data) {
    var box = el("div", "fka-msg " + (data.answered ? "fka-bot" : "fka-refusal"));
    box.appendChild(el("div", "fka-text", data.answer || ""));
    var cites = data.citations || [];
    if (cites.length) {
      var list = el("ol", "fka-cites");
      list.setAttribute("aria-label", "Quellen");
      cites.forEach(function (c) {
        var item = el("li");
        var href = safeUrl(c.source || "");
        var name = "[" + c.n + "] " + (c.title || c.doc_id);
        if (href) {
          var a = el("a", "", name);
          a.href = href;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          item.appendChild(a);
        } else {
          item.appendChild(el("strong", "", name));
        }
        item.appendChild(el("blockquote", "", c.quote || ""));
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var question = input.value.trim();
    if (!question || send.disabled) return;
    addUser(question);
    input.value = "";
    send.disabled = true;
    send.textContent = "…";
    fetch(api + "/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: question, history: history.slice(-10) })
    })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (res) {
        if (!res.ok) {
          var msg = (res.body && res.body.error && res.body.error.message) || "Die Anfrage ist fehlgeschlagen.";
          addAnswer({ answer: msg, answered: false, citations: [] });
          return;
        }
        addAnswer(res.body);
        history.push({ role: "user", content: question });
        history.push({ role: "assistant", content: res.body.answer || "" });
      })
      .catch(function () {
        addAnswer({ answer: "Der Assistent ist gerade nicht erreichbar. Bitte später erneut versuchen.", answered: false });
      })
      .then(function () {
        send.disabled = false;
        send.textContent = "Senden";
        input.focus();
      });
  });
})();
