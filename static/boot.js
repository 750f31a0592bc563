/*
 * Solidariteitskaart Antwerpen: loaded by every page before Streamlit's own scripts (ui/server.py
 * puts it into the page). Three small jobs Streamlit leaves to the app:
 *
 * 1. The server's address. Streamlit's frontend looks for its server under the page's path
 *    first (/in-de-buurt/_stcore/health, two 404s in the console on every shared link to a sub
 *    page, streamlit/streamlit#7074), then at the root. The app is served at one root, so say so.
 * 2. The document's language and direction follow the app's language (the ?lang= of the URL,
 *    which the app keeps in step): screen readers read Dutch with Dutch rules, Arabic right to left.
 * 3. On a phone, choosing a page in the menu closes the menu (Streamlit leaves it open over the page).
 * 4. Streamlit's own controls (menu buttons, "skip to main content", the lists' "Open" buttons) are
 *    named in English: they get their names in the page's language (#sm-labels, from the server).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var root = new URL("../../", script ? script.src : window.location.href);
  window.__streamlit = Object.assign({}, window.__streamlit || {}, { BACKEND_BASE_URL: root.href });

  var RTL = { ar: true };
  var SUPPORTED = { nl: 1, en: 1, fr: 1, tr: 1, ar: 1, pl: 1, es: 1, uk: 1 };

  function language() {
    var code = (new URLSearchParams(window.location.search).get("lang") || "").toLowerCase().split("-")[0];
    return SUPPORTED[code] ? code : document.documentElement.getAttribute("lang") || "nl";
  }

  function applyLanguage() {
    var code = language();
    var html = document.documentElement;
    if (html.getAttribute("lang") !== code) html.setAttribute("lang", code);
    var dir = RTL[code] ? "rtl" : "ltr";
    if (html.getAttribute("dir") !== dir) html.setAttribute("dir", dir);
    if (typeof nameControls === "function") nameControls();
  }

  var LABELS = {};
  try {
    LABELS = JSON.parse(document.getElementById("sm-labels").textContent);
  } catch (e) { /* no labels: the controls keep Streamlit's names */ }
  var NAMED = '[data-testid="stSkipToContent"], [data-testid="stSidebarCollapseButton"] button, ' +
    '[data-testid="stBaseButton-headerNoPadding"], [data-testid="stExpandSidebarButton"], ' +
    '[data-testid="stMainMenuButton"], [data-testid="stStatusWidget"] button, [data-testid="stHeaderActionElements"] a, ' +
    '[data-testid="stTooltipHoverTarget"], [data-testid="stTooltipHoverTarget"] button, ' +
    '[data-testid="stSelectbox"] button, [data-testid="stMultiSelect"] button, [data-sm-en]';

  function nameControls() {
    var table = LABELS[language()];
    if (!table) return;
    document.querySelectorAll(NAMED).forEach(function (el) {
      var english = el.getAttribute("data-sm-en") || el.getAttribute("aria-label") || el.getAttribute("title") ||
        (el.getAttribute("data-testid") === "stSkipToContent" ? el.textContent.trim() : "");
      var name = table[english];
      if (!name && english.indexOf("Help for ") === 0) name = table["Help for"] + " " + english.slice(9);
      if (!name) return;
      el.setAttribute("data-sm-en", english);
      if (el.getAttribute("aria-label") !== name) el.setAttribute("aria-label", name);
      if (el.hasAttribute("title") && el.getAttribute("title") !== name) el.setAttribute("title", name);
      if (el.getAttribute("data-testid") === "stSkipToContent" && el.textContent !== name) el.textContent = name;
    });
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; nameControls(); });
  }).observe(document.documentElement, { childList: true, subtree: true });

  ["pushState", "replaceState"].forEach(function (name) {
    var original = window.history[name];
    window.history[name] = function () {
      var result = original.apply(this, arguments);
      applyLanguage();
      return result;
    };
  });
  window.addEventListener("popstate", applyLanguage);
  applyLanguage();

  var PHONE = window.matchMedia("(max-width: 640px)");
  document.addEventListener(
    "click",
    function (event) {
      if (!PHONE.matches || !event.target.closest) return;
      var link = event.target.closest('[data-testid="stSidebar"] a[href]');
      if (!link) return;
      window.setTimeout(function () {
        var close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
        if (close) close.click();
      }, 0);
    },
    true
  );
})();
