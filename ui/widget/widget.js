/*
 * Fachkräfte-Assistent Hessen – website widget.
 *
 * Embed with one tag:
 *   <script src="https://ASSISTANT-HOST/widget.js" data-api="https://ASSISTANT-HOST" defer></script>
 *
 * Optional attributes: data-title (dialog heading), data-examples (example questions separated by "|").
 * Corporate design: the colours are CSS variables on .fka-root (--fka-primary, --fka-on-primary,
 * --fka-surface, --fka-text, --fka-muted, --fka-focus); a host page overrides them with one rule, e.g.
 *   .fka-root { --fka-primary: #005a9c; }
 *
 * No framework, no build step, no keys in the page. Every text that comes from the
 * API (answers, titles, quotes) is inserted with textContent, never as HTML, so a
 * document containing markup is shown as text. Links are only http(s) URLs.
 *
 * Accessibility (BITV 2.0 / WCAG 2.1 AA): a modal dialog (focus kept inside while open, Escape
 * closes from anywhere, focus returns to the button that opened it), a log region that announces
 * each finished answer once, [n] in an answer moves focus to its source, visible focus on every
 * control, 44 px targets, no horizontal scrolling at 320 px, no motion when the user asks for less.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__fkaWidgetLoaded) return;
  window.__fkaWidgetLoaded = true;
  var api = (script.getAttribute("data-api") || new URL(script.src).origin).replace(/\/+$/, "");
  var title = script.getAttribute("data-title") || "Fachkräfte-Assistent Hessen";
  var examples = (script.getAttribute("data-examples") ||
    "Wie viele Fachkräfte fehlen in Hessen bis 2028?|" +
    "Welche Handlungsfelder bearbeitet das Bündnis?|" +
    "Wann und wo findet die Veranstaltung „Zukunftsgerecht und regional“ statt?")
    .split("|").map(function (s) { return s.trim(); }).filter(Boolean).slice(0, 3);
  var history = [];
  var answers = 0;

  var css = [
    ".fka-root{--fka-primary:#00457d;--fka-on-primary:#fff;--fka-surface:#f5f7f9;--fka-text:#1a1a1a;--fka-muted:#4a535c;--fka-focus:#111;" +
      "position:fixed;right:16px;bottom:16px;z-index:2147483000;display:flex;flex-direction:column;align-items:flex-end;" +
      "max-width:calc(100vw - 32px);font:16px/1.45 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:var(--fka-text)}",
    ".fka-root *{box-sizing:border-box}",
    ".fka-root :focus-visible{outline:3px solid var(--fka-focus);outline-offset:2px;box-shadow:0 0 0 5px #fff}",
    ".fka-toggle{background:var(--fka-primary);color:var(--fka-on-primary);border:0;border-radius:28px;min-height:48px;padding:12px 20px;font-size:16px;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".fka-panel{display:none;flex-direction:column;width:min(400px,calc(100vw - 32px));height:min(600px,calc(100vh - 32px));background:#fff;border:1px solid #6b7580;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}",
    ".fka-open .fka-panel{display:flex}",
    ".fka-open .fka-toggle{display:none}",
    ".fka-head{display:flex;align-items:center;justify-content:space-between;gap:8px;background:var(--fka-primary);color:var(--fka-on-primary);padding:6px 6px 6px 16px}",
    ".fka-head h2{margin:0;font-size:17px;line-height:1.3}",
    ".fka-close{background:transparent;color:var(--fka-on-primary);border:0;min-width:44px;min-height:44px;font-size:26px;cursor:pointer;line-height:1;border-radius:6px}",
    ".fka-head :focus-visible{outline-color:#fff;box-shadow:0 0 0 5px var(--fka-focus)}",
    ".fka-log{position:relative;flex:1;overflow-y:auto;padding:12px 14px;background:var(--fka-surface)}",
    "@media (prefers-reduced-motion:no-preference){.fka-log{scroll-behavior:smooth}}",
    ".fka-msg{margin:0 0 12px;padding:10px 12px;border-radius:10px;max-width:92%;word-wrap:break-word;overflow-wrap:anywhere}",
    ".fka-text{white-space:pre-wrap}",
    ".fka-user{background:var(--fka-primary);color:var(--fka-on-primary);margin-left:auto;white-space:pre-wrap}",
    ".fka-bot{background:#fff;border:1px solid #c7ccd1}",
    ".fka-refusal{background:#fff8e1;border:1px solid #8a6d00;color:#3d3000}",
    ".fka-intro p{margin:0 0 8px}",
    ".fka-examples{display:flex;flex-direction:column;gap:8px;margin:0;padding:0;list-style:none}",
    ".fka-example{width:100%;text-align:left;min-height:44px;padding:8px 12px;border:1px solid var(--fka-primary);border-radius:8px;background:#fff;color:var(--fka-primary);font:inherit;font-size:15px;cursor:pointer}",
    ".fka-ref{color:var(--fka-primary);font-weight:700;text-decoration:underline;padding:0 2px}",
    ".fka-cites-head{margin:10px 0 0;font-size:14px;font-weight:700}",
    ".fka-cites{margin:4px 0 0;padding:0;list-style:none;font-size:14px}",
    ".fka-cites li{margin-top:6px;border-top:1px solid #c7ccd1;padding-top:6px}",
    ".fka-cites li:focus{outline:3px solid var(--fka-focus);outline-offset:2px}",
    ".fka-cite-title{font-weight:700}",
    ".fka-cite-meta{color:var(--fka-muted)}",
    ".fka-cites a{color:var(--fka-primary);font-weight:600;display:inline-block;min-height:24px;padding:2px 0}",
    ".fka-cites blockquote{margin:4px 0;padding-left:8px;border-left:3px solid var(--fka-primary);color:#333;font-style:italic}",
    ".fka-form{display:flex;gap:8px;padding:10px;border-top:1px solid #c7ccd1;background:#fff}",
    ".fka-input{flex:1;min-width:0;min-height:44px;border:1px solid #6b7580;border-radius:8px;padding:10px;font:inherit;font-size:16px;color:var(--fka-text)}",
    ".fka-input::placeholder{color:#5f6770}",
    ".fka-send{background:var(--fka-primary);color:var(--fka-on-primary);border:0;border-radius:8px;min-height:44px;padding:10px 14px;font-weight:600;cursor:pointer}",
    ".fka-send[disabled]{background:#4a535c;cursor:wait}",
    ".fka-note{font-size:13px;color:var(--fka-muted);padding:0 12px 8px;background:#fff;margin:0}",
    ".fka-sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
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
  root.setAttribute("lang", "de");
  var panel = el("div", "fka-panel");
  panel.id = "fka-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "true");
  panel.setAttribute("aria-labelledby", "fka-title");
  var head = el("div", "fka-head");
  var heading = el("h2", "", title);
  heading.id = "fka-title";
  head.appendChild(heading);
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
  input.placeholder = "Ihre Frage …";
  var send = el("button", "fka-send", "Senden");
  send.type = "submit";
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  var note = el("p", "fka-note", "Antworten nur aus offiziellen Dokumenten, mit Quellen.");
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(form);
  panel.appendChild(note);
  var toggle = el("button", "fka-toggle", "Fragen zur Fachkräftesicherung?");
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", "fka-panel");
  toggle.setAttribute("aria-haspopup", "dialog");
  root.appendChild(panel);
  root.appendChild(toggle);
  document.body.appendChild(root);

  function intro() {
    // The first screen: what the assistant does and does not do, and three questions to start with.
    var box = el("div", "fka-msg fka-bot fka-intro");
    box.appendChild(el("p", "", "Guten Tag! Ich beantworte Fragen zur Fachkräftesicherung in Hessen."));
    box.appendChild(el("p", "", "Ich antworte nur aus offiziellen Dokumenten und nenne immer die Quelle. " +
      "Steht etwas nicht in den Dokumenten, sage ich das."));
    var list = el("ul", "fka-examples");
    list.setAttribute("aria-label", "Beispielfragen");
    examples.forEach(function (q) {
      var item = el("li");
      var b = el("button", "fka-example", q);
      b.type = "button";
      b.addEventListener("click", function () { ask(q); });
      item.appendChild(b);
      list.appendChild(item);
    });
    box.appendChild(list);
    log.appendChild(box);
  }

  function focusables() {
    return Array.prototype.filter.call(
      panel.querySelectorAll("a[href],button:not([disabled]),input:not([disabled]),[tabindex='0']"),
      function (n) { return n.offsetParent !== null; }
    );
  }

  function isOpen() { return root.classList.contains("fka-open"); }

  function setOpen(open) {
    root.classList.toggle("fka-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      if (!log.firstChild) intro();
      input.focus();
    } else {
      toggle.focus();
    }
  }
  toggle.addEventListener("click", function () { setOpen(true); });
  close.addEventListener("click", function () { setOpen(false); });
  // A modal dialog: Escape closes it wherever focus is; Tab cycles inside it.
  document.addEventListener("keydown", function (e) {
    if (!isOpen()) return;
    if (e.key === "Escape") {
      e.preventDefault();
      setOpen(false);
      return;
    }
    if (e.key !== "Tab") return;
    var items = focusables();
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1];
    var inside = panel.contains(document.activeElement);
    if (e.shiftKey && (document.activeElement === first || !inside)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
      e.preventDefault();
      first.focus();
    }
  });
  document.addEventListener("focusin", function (e) {
    if (isOpen() && !panel.contains(e.target)) input.focus();
  });

  function addUser(text) {
    var node = el("p", "fka-msg fka-user", text);
    node.setAttribute("aria-label", "Ihre Frage: " + text);
    log.appendChild(node);
    return node;
  }

  function quoted(box, text, quotes) {
    // In an English answer the quoted document sentences are German: marked lang="de" inside it.
    var rest = text;
    while (rest) {
      var at = -1, quote = "";
      quotes.forEach(function (q) {
        var i = q ? rest.indexOf(q) : -1;
        if (i >= 0 && (at < 0 || i < at)) { at = i; quote = q; }
      });
      if (at < 0) { box.appendChild(document.createTextNode(rest)); return; }
      if (at > 0) box.appendChild(document.createTextNode(rest.slice(0, at)));
      box.appendChild(el("span", "", quote)).setAttribute("lang", "de");
      rest = rest.slice(at + quote.length);
    }
  }

  function answerText(text, prefix, cited, lang, quotes) {
    // "[n]" becomes a link to source n of this answer; everything else stays text.
    var box = el("div", "fka-text");
    if (lang && lang !== "de") box.setAttribute("lang", lang);
    var parts = String(text || "").split(/(\[\d+\])/);
    parts.forEach(function (part) {
      var m = /^\[(\d+)\]$/.exec(part);
      if (m && cited[m[1]]) {
        var a = el("a", "fka-ref", part);
        a.href = "#" + prefix + "-" + m[1];
        a.setAttribute("aria-label", "Quelle " + part);
        a.addEventListener("click", function (e) {
          e.preventDefault();
          var target = document.getElementById(prefix + "-" + m[1]);
          if (target) target.focus();
        });
        box.appendChild(a);
      } else if (part && lang && lang !== "de") {
        quoted(box, part, quotes);
      } else if (part) {
        box.appendChild(document.createTextNode(part));
      }
    });
    return box;
  }

  function addAnswer(data) {
    answers += 1;
    var prefix = "fka-a" + answers + "-q";
    var box = el("div", "fka-msg " + (data.answered ? "fka-bot" : "fka-refusal"));
    var cites = data.citations || [];
    var cited = {};
    cites.forEach(function (c) { cited[c.n] = true; });
    if (!data.answered) box.appendChild(el("span", "fka-sr", "Hinweis: "));
    var quotes = cites.map(function (c) { return c.quote || ""; });
    box.appendChild(answerText(data.answer, prefix, cited, data.lang, quotes));
    if (cites.length) {
      var listHead = el("p", "fka-cites-head", "Quellen");
      listHead.id = prefix + "-head";
      box.appendChild(listHead);
      var list = el("ol", "fka-cites");
      list.setAttribute("aria-labelledby", listHead.id);
      cites.forEach(function (c) {
        var item = el("li");
        item.id = prefix + "-" + c.n;
        item.tabIndex = -1;
        item.appendChild(el("span", "fka-cite-title", "[" + c.n + "] " + (c.title || c.doc_id)));
        var meta = [c.publisher, c.date].filter(Boolean).join(" · ");
        if (meta) {
          item.appendChild(document.createElement("br"));
          item.appendChild(el("span", "fka-cite-meta", meta));
        }
        item.appendChild(el("blockquote", "", c.quote || ""));
        var href = safeUrl(c.source || "");
        if (href) {
          var a = el("a", "", "Quelle öffnen");
          a.href = href;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          a.setAttribute("aria-label", "Quelle öffnen [" + c.n + "] (neues Fenster)");
          item.appendChild(a);
        }
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    log.appendChild(box);
  }

  function showFromQuestion(node) {
    // The question stays at the top of the log; the answer reads from its start below it.
    log.scrollTop = Math.max(0, node.offsetTop - 8);
  }

  function ask(question) {
    question = (question || "").trim();
    if (!question || send.disabled) return;
    var asked = addUser(question);
    input.value = "";
    send.disabled = true;
    send.textContent = "…";
    send.setAttribute("aria-label", "Antwort wird gesucht");
    log.setAttribute("aria-busy", "true");
    fetch(api + "/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Assistant-Channel": "widget" },
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
        log.removeAttribute("aria-busy");
        showFromQuestion(asked);
        send.disabled = false;
        send.textContent = "Senden";
        send.removeAttribute("aria-label");
        input.focus();
      });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    ask(input.value);
  });
})();
