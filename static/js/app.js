// Espace Client: small behaviours that the Content-Security-Policy keeps out of the pages.
(function () {
  "use strict";

  // Escape inside an in-place editor clicks its "Annuler" link or button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var editor = event.target.closest && event.target.closest("[data-editor]");
    if (!editor) return;
    var cancel = editor.querySelector("[data-cancel]");
    if (!cancel) return;
    event.preventDefault();
    // A fast Escape can come before htmx has wired the freshly swapped editor: wire it first.
    if (window.htmx) window.htmx.process(editor);
    cancel.click();
  });

  // Escape folds the phone menu (a <details>) and gives focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = document.querySelector(".site-menu[open]");
    if (!menu || !menu.contains(event.target)) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });

  // A button with data-confirm asks before its form is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);

  // A button with data-print prints the page (the printable view of an invoice).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });

  // After an htmx swap, move focus to the first field in error so keyboard users land on it.
  // An outerHTML swap detaches the old target: look in the document then.
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail.target.isConnected ? event.detail.target : document;
    var invalid = root.querySelector && root.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  });
})();
