// Signing page: an optional drawn signature and focus on errors. The page works without it.
"use strict";
(function () {
  var summary = document.getElementById("fouten");
  if (summary) summary.focus();
  var box = document.getElementById("tekenvak");
  if (box) drawing(box);

  function drawing(box) {
    var canvas = document.getElementById("drawn-canvas");
    var field = document.getElementById("drawn");
    var clear = document.getElementById("drawn-clear");
    var ctx = canvas.getContext && canvas.getContext("2d");
    if (!ctx || !window.PointerEvent) return;
    box.hidden = false;
    var down = false;
    var marked = false;
    pen();

    function pen() {
      ctx.lineWidth = 4;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#1a1a1a";
    }
    function at(e) {
      var r = canvas.getBoundingClientRect();
      return {
        x: (e.clientX - r.left) * canvas.width / r.width,
        y: (e.clientY - r.top) * canvas.height / r.height
      };
    }
    canvas.addEventListener("pointerdown", function (e) {
      down = true;
      canvas.setPointerCapture(e.pointerId);
      var p = at(e);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!down) return;
      var p = at(e);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      marked = true;
      e.preventDefault();
    });
    function end() {
      if (!down) return;
      down = false;
      // Send only a real drawing: an empty canvas is "no drawn signature", not a blank image.
      if (marked) field.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      field.value = "";
      marked = false;
    });
    if (field.value) {
      // The form came back with an error: show the drawing that is still in the form.
      var img = new Image();
      img.onload = function () { ctx.drawImage(img, 0, 0); marked = true; };
      img.src = field.value;
    }
  }
})();
