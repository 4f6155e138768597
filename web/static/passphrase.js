// Show the passphrase while typing, when the resident asks for it (both
// fields on the sign-up page). The checkbox stays hidden without script,
// so the page works without it.
(function () {
  var row = document.getElementById("show-pass-row");
  var box = document.getElementById("show-pass");
  var inputs = ["passphrase", "passphrase2"].map(function (id) { return document.getElementById(id); }).filter(Boolean);
  if (!row || !box || inputs.length === 0) return;
  row.hidden = false;
  box.addEventListener("change", function () {
    inputs.forEach(function (input) { input.type = box.checked ? "text" : "password"; });
  });
})();
