// Listen: reads the page aloud with the browser's own speech, for people who find reading
// hard. Optional, like everything here: the button exists only when this script runs and the
// browser has a voice for the page's language on the device itself.
(function () {
  "use strict";
  var speech = window.speechSynthesis;
  var main = document.getElementById("main");
  if (!speech || !window.SpeechSynthesisUtterance || !main || !main.dataset.listen) { return; }
  var lang = document.documentElement.lang || "en";
  // Never read: what a person typed into a form (on a shared phone, or at a drop-in centre,
  // they may not want their words heard by the people around them), other form controls,
  // the spam trap, and anything the page marks with data-listen-skip (their earlier words).
  var SKIP = "script,style,noscript,template,input,textarea,select,.trap,[hidden]," +
    "[aria-hidden=true],[data-listen-skip],.listen";
  var button = null;
  var voice = function () {
    // Only a voice on the device: a "network" voice (localService false, such as Chrome's
    // Google voices) sends the text to someone else's server.
    var want = lang.toLowerCase().split("-")[0];
    var local = speech.getVoices().filter(function (v) {
      return v.localService && v.lang.toLowerCase().replace("_", "-").split("-")[0] === want;
    });
    return local.filter(function (v) { return v.default; })[0] || local[0];
  };
  // The page's words in reading order, one piece per block, so each is its own utterance
  // (a pause between them, and no long utterance for a browser to cut short). An element
  // with data-listen-text is read as that text instead: the claim code, one group at a time,
  // spelled by the server in the page's language.
  var pieces = function () {
    var found = [];
    var words = "";
    var flush = function (slow) {
      var text = words.replace(/\s+/g, " ").trim();
      if (/[\p{L}\p{N}]/u.test(text)) { found.push({ text: text, slow: slow }); }
      words = "";
    };
    var walk = function (node) {
      if (node.nodeType === 3) { words += node.nodeValue; return; }
      if (node.nodeType !== 1 || node.matches(SKIP)) { return; }
      var style = window.getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden") { return; }
      var said = node.getAttribute("data-listen-text");
      var block = said !== null || style.display.indexOf("inline") !== 0;
      if (block) { flush(false); }
      if (said !== null) { words = said; } else { node.childNodes.forEach(walk); }
      if (block) { flush(said !== null); }
    };
    walk(main);
    flush(false);
    return found;
  };
  var presses = 0;
  var run = 0;  // the press now speaking; 0 when none
  var label = function () {
    button.textContent = run ? main.dataset.listenStop : main.dataset.listen;
  };
  var stop = function () {
    run = 0;
    speech.cancel();
    if (button) { label(); }
  };
  var listen = function () {
    if (run) { stop(); return; }  // a second press stops
    var chosen = voice();
    var all = pieces();
    if (!all.length) { return; }
    var mine = run = ++presses;
    var ended = function () {
      if (run === mine) { run = 0; label(); }
    };
    speech.cancel();
    all.forEach(function (piece, index) {
      var utterance = new window.SpeechSynthesisUtterance(piece.text);
      utterance.lang = lang;
      utterance.voice = chosen;
      if (piece.slow) { utterance.rate = 0.8; }  // a code is written down as it is heard
      if (index === all.length - 1) { utterance.onend = utterance.onerror = ended; }
      speech.speak(utterance);
    });
    label();
  };
  var offer = function () {
    if (button || !voice()) { return; }
    button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary listen";
    button.addEventListener("click", listen);
    label();
    var heading = main.querySelector("h1");
    if (heading) { heading.after(button); } else { main.prepend(button); }
  };
  offer();
  // Many browsers load their voices a moment after the page.
  if (speech.addEventListener) { speech.addEventListener("voiceschanged", offer); }
  // Quick exit, Leave or any other way off the page: silence at once.
  window.addEventListener("pagehide", stop);
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", stop);
  });
})();
