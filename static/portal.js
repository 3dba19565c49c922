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
  // Move focus to the list of problems so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
