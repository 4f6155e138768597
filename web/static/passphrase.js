// Show the passphrase while typing, when the resident asks for it. The
// checkbox stays hidden without script, so the page works without it.
(function () {
  var row = document.getElementById("show-pass-row");
  var box = document.getElementById("show-pass");
  var input = document.getElementById("passphrase");
  if (!row || !box || !input) return;
  row.hidden = false;
  box.addEventListener("change", function () {
    input.type = box.checked ? "text" : "password";
  });
})();
