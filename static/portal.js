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
  // A page with words typed in it first asks "Still there?", with a countdown and a button
  // that keeps everything; only when nobody answers is the page cleared.
  var idle = Number(document.body.getAttribute("data-idle-seconds"));
  var idleUrl = document.body.getAttribute("data-idle-url");
  if (idle > 0 && idleUrl) {
    var timer = null;
    var ticker = null;
    var warning = document.getElementById("idle-warning");
    var count = document.getElementById("idle-count");
    var stay = document.getElementById("idle-stay");
    var warnFor = Number(document.body.getAttribute("data-idle-warning-seconds")) || 0;
    var before = null;
    var clear = function () {
      document.body.hidden = true;
      window.location.replace(idleUrl);
    };
    var hasTypedWords = function () {
      var fields = document.querySelectorAll("main textarea, main input");
      return Array.prototype.some.call(fields, function (field) {
        if (field.type === "file") { return field.files && field.files.length > 0; }
        if (field.type === "hidden" || field.type === "radio" || field.type === "checkbox" ||
            field.closest(".trap")) { return false; }
        return field.value.trim() !== "";
      });
    };
    var warningShown = function () { return warning && !warning.hidden; };
    var warn = function () {
      var left = warnFor;
      before = document.activeElement;
      count.textContent = String(left);
      warning.hidden = false;
      stay.focus();
      ticker = window.setInterval(function () {
        left -= 1;
        count.textContent = String(Math.max(left, 0));
        if (left <= 0) {
          window.clearInterval(ticker);
          clear();
        }
      }, 1000);
    };
    var restart = function () {
      if (warningShown()) { return; }  // only the button (or Escape) answers the question
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (warning && stay && count && warnFor > 0 && hasTypedWords()) {
          warn();
        } else {
          clear();
        }
      }, idle * 1000);
    };
    var stillHere = function () {
      window.clearInterval(ticker);
      warning.hidden = true;
      if (before && before.focus) { before.focus(); }
      restart();
    };
    if (stay) {
      stay.addEventListener("click", stillHere);
      warning.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { stillHere(); }
        if (event.key === "Tab") { event.preventDefault(); stay.focus(); }  // focus stays here
      });
    }
    ["keydown", "pointerdown", "input", "scroll", "touchstart"].forEach(function (name) {
      window.addEventListener(name, restart, { passive: true });
    });
    restart();
  }
  // Move focus to the list of problems so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // Listen: with a voice of the device's own (a network one sends the words away).
  var speech = window.speechSynthesis, main = document.getElementById("main");
  var reader = document.currentScript.src.replace("portal.js", "listen.js");
  window.listenVoice = function () {
    return speech.getVoices().find(function (v) {
      return v.localService && v.lang.split(/[-_]/)[0] === document.documentElement.lang;
    });
  };
  var offer = function () {
    if (main.querySelector(".listen") || !window.listenVoice()) { return; }
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button secondary listen";
    b.textContent = main.dataset.listen;
    b.onclick = function () {  // listen.js, loaded now, takes the button over
      b.onclick = null;
      document.head.appendChild(document.createElement("script")).src = reader;
    };
    (main.querySelector("h1") || main.firstChild).after(b);
  };
  if (speech && main) {
    offer();
    speech.addEventListener("voiceschanged", offer);
  }
})();
