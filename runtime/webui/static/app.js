// bpfc pages: progressive enhancement only. Everything works without it.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var button = e.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      e.preventDefault();
      return;
    }
    // Keep the pressed button's value, then stop double submits.
    if (button && button.name) {
      var keep = document.createElement("input");
      keep.type = "hidden";
      keep.name = button.name;
      keep.value = button.value;
      form.appendChild(keep);
    }
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  // A page restored from the back-forward cache gets its buttons back.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      document.querySelectorAll("form button").forEach(function (b) { b.disabled = false; });
    }
  });
  // After a refusal, put the keyboard on the first field it names.
  window.addEventListener("DOMContentLoaded", function () {
    var bad = document.querySelector(".field.invalid input, .field.invalid select, .field.invalid textarea");
    if (bad) {
      bad.focus();
    }
  });
})();
