// "Kopiera" buttons: copy the text field named by data-copy. Without script the field is still selectable.
(function () {
  var script = document.currentScript;
  var status = document.getElementById("copy-status");
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = script.getAttribute("data-copied"); }
      });
    });
  });
})();
