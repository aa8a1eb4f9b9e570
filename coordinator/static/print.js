// "Skriv ut" buttons on the printed documents: shown only where script runs, since they need it.
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
