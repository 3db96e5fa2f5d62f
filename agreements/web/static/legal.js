// Legal pages: refresh the dossier progress in place until every job is finished.
"use strict";
(function () {
  var region = document.getElementById("voortgang");
  if (!region || !region.hasAttribute("data-poll") || !window.fetch || !window.DOMParser) { return; }
  var seconds = parseInt(region.getAttribute("data-poll"), 10) || 3;
  function poll() {
    window.fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (text) {
        var fresh = new window.DOMParser().parseFromString(text, "text/html").getElementById("voortgang");
        if (!fresh) { return; }
        // Update in place: the live status line stays the same element, so it is announced.
        var bar = document.getElementById("voortgang-balk");
        var freshBar = fresh.querySelector("#voortgang-balk");
        if (bar && freshBar) { bar.value = freshBar.value; bar.textContent = freshBar.textContent; }
        ["label[for=voortgang-balk]", "#voortgang-tekst", "tbody"].forEach(function (selector) {
          var mine = region.querySelector(selector), theirs = fresh.querySelector(selector);
          if (mine && theirs && mine.innerHTML !== theirs.innerHTML) { mine.innerHTML = theirs.innerHTML; }
        });
        if (fresh.hasAttribute("data-poll")) { window.setTimeout(poll, seconds * 1000); }
        else { region.removeAttribute("data-poll"); }
      })
      .catch(function () { window.setTimeout(poll, seconds * 3000); });
  }
  window.setTimeout(poll, seconds * 1000);
})();
