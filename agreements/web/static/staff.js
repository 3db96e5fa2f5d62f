// Staff pages: reload a page that waits for the worker (a render), and focus the error summary.
"use strict";
(function () {
  var status = document.querySelector("[data-refresh]");
  if (status) {
    var seconds = parseInt(status.getAttribute("data-refresh"), 10) || 2;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
  var errors = document.getElementById("fouten");
  if (errors) { errors.focus(); }
})();
