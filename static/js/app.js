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

  // In-place editors (WCAG 2.4.3). An outerHTML swap removes the element that held focus and
  // the browser drops it to <body>, so the next Tab would start over from the top of the page.
  // Before the swap, note which widget is replaced and whether the keyboard was in it.
  // Kept by id: another widget of the page may swap in between (the profile's history).
  var replaced = {};
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    if (!target.id) return;
    replaced[target.id] = {
      editor: target.hasAttribute("data-editor"),
      focused: !active || active === document.body || target.contains(active),
    };
  });

  function focusOn(element) {
    if (!element) return;
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  // After a swap: the first field in error; else the first field of an editor that opened; else,
  // when an editor closed (Escape, "Annuler", saved), its "Modifier" link or its heading.
  // Settled, not only swapped: htmx has then wired the new content, so Enter on the link works.
  document.addEventListener("htmx:afterSettle", function (event) {
    var id = event.detail.target.id;
    var before = id ? replaced[id] : null;
    if (id) delete replaced[id];
    // An outerHTML swap detaches the old target: look for its successor by id.
    var root = event.detail.target.isConnected ? event.detail.target : document;
    if (id && !event.detail.target.isConnected) {
      root = document.getElementById(id) || document;
    }
    var invalid = root.querySelector && root.querySelector("[aria-invalid=true]");
    if (invalid) { invalid.focus(); return; }
    if (!before || !before.focused || root === document) return;
    // Only where the swap lost the focus: a person already typing in a field keeps their place.
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    if (root.hasAttribute("data-editor")) {
      focusOn(root.querySelector("input:not([type=hidden]), select, textarea, button"));
    } else if (before.editor) {
      focusOn(root.querySelector("[data-edit]") || root.querySelector("h1, h2, h3"));
    }
  });
})();
