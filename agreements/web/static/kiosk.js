// Kiosk: a button asks for full screen (Fullscreen API); without it the page works as it is.
"use strict";
(function () {
  var button = document.getElementById("kiosk-fullscreen");
  var root = document.documentElement;
  if (!button || !root.requestFullscreen || document.fullscreenElement) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    root.requestFullscreen().then(function () {
      button.hidden = true;
    }, function () {
      button.hidden = true; // refused: the page stays as it is
    });
  });
})();
