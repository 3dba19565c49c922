// Optional help for browsers with JavaScript. Every page works without it.
(function () {
  "use strict";
  // Quick exit. The form itself ends the case on the server, which then sends the browser to
  // the neutral site, with or without JavaScript. Here we only hide the page at once and point
  // this history entry at the start page, so Back cannot bring the complaint back. (A beacon
  // cannot do the ending: the content security policy allows scripts no connections.)
  var exits = document.querySelectorAll("form.quick-exit");
  Array.prototype.forEach.call(exits, function (form) {
    form.addEventListener("submit", function () {
      document.body.hidden = true;
      var home = form.getAttribute("data-home");
      if (home && window.history && window.history.replaceState) {
        window.history.replaceState(null, "", home);
      }
    });
  });
  // Print: only offered where it works.
  var prints = document.querySelectorAll(".print-button");
  Array.prototype.forEach.call(prints, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // Kiosk mode: after the idle time with no use at all, clear the screen and end the case.
  var idle = Number(document.body.getAttribute("data-idle-seconds"));
  var idleUrl = document.body.getAttribute("data-idle-url");
  if (idle > 0 && idleUrl) {
    var timer = null;
    var restart = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        document.body.hidden = true;
        window.location.replace(idleUrl);
      }, idle * 1000);
    };
    ["keydown", "pointerdown", "input", "scroll", "touchstart"].forEach(function (name) {
      window.addEventListener(name, restart, { passive: true });
    });
    restart();
  }
  // Move focus to the list of problems so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
