// Tickets: under the "Sujet" list, show only what the chosen subject means (the deletion notice,
// the choice of right). Without this script every notice stays visible.
(function () {
  "use strict";

  function showSubjectNotices(select) {
    var form = select.form;
    if (!form) return;
    form.querySelectorAll("[data-subject]").forEach(function (notice) {
      notice.hidden = notice.getAttribute("data-subject") !== select.value;
    });
  }

  function wire(root) {
    var select = root.querySelector && root.querySelector("#new-ticket-form select[name=subject]");
    if (!select || select.dataset.wired) return;
    select.dataset.wired = "1";
    select.addEventListener("change", function () { showSubjectNotices(select); });
    showSubjectNotices(select);
  }

  // A saved reply chosen in the list is added to the answer being written.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-insert-into]") || !select.value) return;
    var area = document.querySelector(select.getAttribute("data-insert-into"));
    if (area) {
      area.value = area.value ? area.value.replace(/\s*$/, "\n\n") + select.value : select.value;
      area.focus();
    }
    select.value = "";
  });

  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:load", function (event) { wire(event.target); });
})();
