// Optional help for browsers with JavaScript. Every page works without it.
(function () {
  "use strict";
  // Quick exit: end the case on the server, then replace this page so Back does not return.
  var exits = document.querySelectorAll("form.quick-exit");
  Array.prototype.forEach.call(exits, function (form) {
    form.addEventListener("submit", function (event) {
      var target = form.getAttribute("data-target");
      if (!target || !navigator.sendBeacon) { return; }
      event.preventDefault();
      navigator.sendBeacon(form.action);
      document.body.innerHTML = "";
      window.location.replace(target);
    });
  });
  // Print: only offered where it works.
  var prints = document.querySelectorAll(".print-button");
  Array.prototype.forEach.call(prints, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // Move focus to the list of problems so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
