// Listen: reads the page's <main> aloud with the browser's own speech, in the page's language,
// with a voice on the device itself (window.listenVoice, in portal.js). Nothing is sent
// anywhere. portal.js loads this file on the first press of its Listen button; from then on
// the button starts and stops the reading here.
(function () {
  "use strict";
  var speech = window.speechSynthesis;
  var main = document.getElementById("main");
  var words = main.dataset;
  var lang = document.documentElement.lang;
  var button = main.querySelector(".listen");
  // Never read: what a person typed into a form (on a shared phone or at a drop-in centre the
  // people nearby would hear it), other form controls, the spam trap, what a closed
  // <details> folds away, and what the page marks with data-listen-skip.
  var SKIP = "script,style,input,textarea,select,.trap,[hidden],[aria-hidden=true]," +
    "[data-listen-skip],.listen,details:not([open])>:not(summary)";
  var run = 0;  // the press now reading; 0 when none
  var presses = 0;
  // The page's words in reading order, one piece per block: a pause between them, and no
  // long utterance for a browser to cut short. An element with data-listen-text is read as
  // that text instead (the claim code, one group at a time, spelled by the server).
  var pieces = function () {
    var found = [];
    var text = "";
    var flush = function (slow) {
      var said = text.replace(/\s+/g, " ").trim();
      if (/[\p{L}\p{N}]/u.test(said)) { found.push({ text: said, slow: slow }); }
      text = "";
    };
    var walk = function (node) {
      if (node.nodeType === 3) { text += node.nodeValue; return; }
      if (node.nodeType !== 1 || node.matches(SKIP)) { return; }
      var style = window.getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden") { return; }
      var instead = node.getAttribute("data-listen-text");
      var block = instead !== null || style.display.indexOf("inline") !== 0;
      if (block) { flush(false); }
      if (instead !== null) { text = instead; } else { node.childNodes.forEach(walk); }
      if (block) { flush(instead !== null); }
    };
    walk(main);
    flush(false);
    return found;
  };
  var label = function () {
    button.textContent = run ? words.listenStop : words.listen;
  };
  var stop = function () {
    run = 0;
    speech.cancel();
    label();
  };
  var listen = function () {
    if (run) { stop(); return; }  // a second press stops
    var voice = window.listenVoice();
    var all = pieces();
    var mine = run = ++presses;
    speech.cancel();
    all.forEach(function (piece, index) {
      var utterance = new window.SpeechSynthesisUtterance(piece.text);
      utterance.lang = lang;
      utterance.voice = voice;
      if (piece.slow) { utterance.rate = 0.8; }  // a code is written down as it is heard
      if (index === all.length - 1) {
        utterance.onend = utterance.onerror = function () { if (run === mine) { stop(); } };
      }
      speech.speak(utterance);
    });
    label();
  };
  button.onclick = listen;
  // Quick exit, Leave, Send or any other way off the page: silence at once.
  window.addEventListener("pagehide", stop);
  document.addEventListener("submit", stop);
  listen();
})();
