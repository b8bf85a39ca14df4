// The copy button beside a link shown once: shown only when the page's script runs (without
// it, the link is selected text in a box to copy by hand).
(function () {
  "use strict";
  var button = document.getElementById("copy");
  if (!button || !navigator.clipboard) { return; }
  var box = document.getElementById(button.getAttribute("data-copy"));
  var said = document.getElementById("copied");
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(box.value).then(function () { said.textContent = "Copied."; },
      function () { box.select(); said.textContent = "Select the link and copy it."; });
  });
}());
