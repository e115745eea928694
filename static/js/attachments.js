// Espace Client: files joined to a form (ticket attachments). Before sending, the count and
// the size of the chosen files are checked and the problem is said under the field; a send
// refused as too large (413) leaves the form as typed and says why beside it.
(function () {
  "use strict";

  function problemBox(form, input) {
    var box = (input && input.parentNode.querySelector("[data-upload-problem]")) ||
      form.querySelector("[data-upload-problem]");
    if (box) return box;
    box = document.createElement("p");
    box.className = "error";
    box.setAttribute("role", "alert");
    box.setAttribute("data-upload-problem", "");
    form.insertBefore(box, form.firstChild);
    return box;
  }

  function say(box, message) {
    box.textContent = message;
    box.hidden = !message;
  }

  function problemsOf(input) {
    var data = input.dataset;
    var files = input.files || [];
    var problems = [];
    if (files.length > Number(data.maxFiles)) problems.push(data.tooMany);
    for (var i = 0; i < files.length; i++) {
      if (files[i].size === 0) problems.push(data.empty.replace("{name}", files[i].name));
      else if (files[i].size > Number(data.maxBytes)) problems.push(data.tooLarge.replace("{name}", files[i].name));
    }
    return problems.join(" ");
  }

  function check(input) {
    var message = problemsOf(input);
    // An invalid field stops the form (htmx checks validity too): nothing typed is lost.
    input.setCustomValidity(message);
    input.setAttribute("aria-invalid", message ? "true" : "false");
    if (input.form) say(problemBox(input.form, input), message);
    return message;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[data-attachment-input]")) check(input);
  });

  // Forms sent without htmx: check again at the last moment.
  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll ? event.target.querySelectorAll("input[data-attachment-input]") : [];
    for (var i = 0; i < inputs.length; i++) {
      if (check(inputs[i])) {
        event.preventDefault();
        event.stopImmediatePropagation();
        inputs[i].focus();
        return;
      }
    }
  }, true);

  // The server refused the send as too large: htmx swapped nothing (see the htmx-config
  // meta of base.html); the message goes beside the form.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || xhr.status !== 413) return;
    var source = event.detail.elt;
    var form = source && (source.tagName === "FORM" ? source : source.closest && source.closest("form"));
    var main = document.getElementById("content");
    if (!form) {
      var messages = document.getElementById("messages");
      if (messages && main) say(problemBox(messages, null), main.dataset.requestTooLarge || "");
      return;
    }
    var input = form.querySelector("input[data-attachment-input]");
    var message = (input && input.dataset.requestTooLarge) || (main && main.dataset.requestTooLarge) || "";
    var box = problemBox(form, input);
    say(box, message);
    if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
  });
})();
