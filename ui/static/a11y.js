/*
 * Fachkräfte-Assistent Hessen – accessibility script of the Streamlit page (loaded by ui/a11y.py).
 * Streamlit serves <html lang="en"> and some English labels of its own and has no setting for them:
 * this sets lang="de", translates those labels when they appear, keeps a live region for finished
 * answers (window.__fkaAnnounce) and makes "[n]" in an answer open and focus its source.
 */
(function () {
  if (window.__fkaA11y) return;
  window.__fkaA11y = true;
  var labels = {
    "Skip to main content": "Zum Hauptinhalt springen",
    "Send": "Senden",
    "Send message": "Nachricht senden",
    "Expand sidebar": "Seitenleiste öffnen",
    "Collapse sidebar": "Seitenleiste schließen",
    "Close sidebar": "Seitenleiste schließen",
    "Open sidebar": "Seitenleiste öffnen",
    "Sidebar": "Seitenleiste",
    "Main menu": "Hauptmenü",
    "Running...": "Wird ausgeführt …",
    "Stop": "Anhalten",
    "Clear": "Leeren",
    "Press Enter to apply": "Eingabetaste zum Übernehmen",
    "Press Enter to submit form": "Eingabetaste zum Absenden",
    "Press ⌘+Enter to submit form": "⌘+Eingabetaste zum Absenden",
    "Press Ctrl+Enter to submit form": "Strg+Eingabetaste zum Absenden",
    "Press Ctrl+Enter to apply": "Strg+Eingabetaste zum Übernehmen",
    "Press ⌘+Enter to apply": "⌘+Eingabetaste zum Übernehmen",
    "Copy to clipboard": "In die Zwischenablage kopieren",
    "Connecting": "Verbindung wird hergestellt",
    "Link to heading": "Link zu dieser Überschrift",
    "Chat message from assistant": "Nachricht des Assistenten",
    "Chat message from user": "Ihre Nachricht",
    "Browse files": "Datei auswählen",
    "Drag and drop file here": "Datei hierher ziehen",
    "Upload": "Hochladen",
    "Remove file": "Datei entfernen",
    "Delete file": "Datei entfernen"
  };
  document.documentElement.setAttribute("lang", "de");
  var live = document.createElement("div");
  live.id = "fka-live";
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  live.setAttribute("style",
    "position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap");
  document.body.appendChild(live);
  window.__fkaAnnounce = function (text) {
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 150);
  };
  function translate() {
    if (document.documentElement.getAttribute("lang") !== "de") document.documentElement.setAttribute("lang", "de");
    // containers keyed "lang-en-…" hold text in another language than the page (an English answer)
    document.querySelectorAll("[class*='st-key-lang-']").forEach(function (n) {
      var m = /st-key-lang-([a-z]{2})-/.exec(n.className);
      if (m && n.getAttribute("lang") !== m[1]) n.setAttribute("lang", m[1]);
    });
    document.querySelectorAll("[aria-label],[title],[placeholder]").forEach(function (n) {
      ["aria-label", "title", "placeholder"].forEach(function (a) {
        var v = n.getAttribute(a);
        if (v && labels[v]) n.setAttribute(a, labels[v]);
      });
    });
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      var t = node.nodeValue.trim();
      if (t && labels[t]) node.nodeValue = node.nodeValue.replace(t, labels[t]);
      else if (/\S+ per file/.test(t)) node.nodeValue = t.replace(/(?:Limit )?(\S+) per file/, "höchstens $1 je Datei");
    }
  }
  var queued = false;
  new MutationObserver(function () {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () { queued = false; translate(); });
  }).observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ["aria-label", "title", "placeholder", "lang"]});
  translate();
  // "[n]" in an answer links to #quelle-<answer>-<n>: open that source's expander and move focus to it.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[href^='#quelle-']");
    if (!link) return;
    var box = document.querySelector(".st-key-" + link.getAttribute("href").slice(1));
    if (!box) return;
    e.preventDefault();
    var details = box.querySelector("details");
    var summary = box.querySelector("summary");
    if (details && !details.open && summary) summary.click();
    if (summary) { summary.focus(); summary.scrollIntoView({block: "nearest"}); }
  }, true);
})();
