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
  }

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
