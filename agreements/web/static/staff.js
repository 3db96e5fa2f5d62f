// Staff pages: reload a page that waits for the worker (a render), and focus the error summary.
"use strict";
(function () {
  var status = document.querySelector("[data-refresh]");
  if (status) {
    var seconds = parseInt(status.getAttribute("data-refresh"), 10) || 2;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
  // A link to copy: the button shows only where script runs; without it the field is selectable.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var said = document.querySelector("[data-copied='" + button.getAttribute("data-copy") + "']");
    button.hidden = false;
    button.addEventListener("click", function () {
      field.select();
      var done = navigator.clipboard ? navigator.clipboard.writeText(field.value) : Promise.reject();
      done.then(function () { said.textContent = "De link is gekopieerd."; },
                function () { said.textContent = "Kopieer de geselecteerde link met Ctrl+C."; });
    });
  });
  var errors = document.getElementById("fouten");
  if (errors) { errors.focus(); }
})();
