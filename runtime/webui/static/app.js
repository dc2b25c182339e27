// bpfc pages: progressive enhancement only. Everything works without it.
(function () {
  "use strict";
  // Steps typed and not saved are lost by leaving the page any other way
  // than the stage form's own buttons, every way out the page offers among
  // them (an address typed, Back): the browser asks first, as Dataverse's
  // form does with unsaved changes.
  var stageForm = null;
  var sending = false;
  var loaded = [];
  function unsaved() {
    if (!stageForm || sending) {
      return false;
    }
    // Typed values a refused post or an Abandon kept, marked "Not saved".
    if (stageForm.querySelector("fieldset:not([disabled]) .field.unsaved")) {
      return true;
    }
    return loaded.some(function (c) { return !c.el.disabled && c.el.value !== c.value; });
  }
  window.addEventListener("beforeunload", function (e) {
    if (unsaved()) {
      e.preventDefault();
      e.returnValue = "";
    }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var button = e.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      e.preventDefault();
      return;
    }
    if (form === stageForm) {
      sending = true; // the steps typed go with it: nothing to warn of
    }
    // Keep the pressed button's value, then stop double submits.
    if (button && button.name) {
      var keep = document.createElement("input");
      keep.type = "hidden";
      keep.name = button.name;
      keep.value = button.value;
      form.appendChild(keep);
    }
    // form.elements: the bar's stages are the stage form's buttons
    // outside it (form="stage-form").
    window.setTimeout(function () {
      Array.prototype.forEach.call(form.elements, function (b) {
        if (b.tagName === "BUTTON") {
          b.disabled = true;
        }
      });
    }, 0);
  });
  // A page restored from the back-forward cache gets its buttons back.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      sending = false;
      document.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    }
  });
  // After a refusal, put the keyboard on the first field it names.
  window.addEventListener("DOMContentLoaded", function () {
    var marker = document.querySelector('form input[type="hidden"][name="stage"]');
    if (marker) {
      stageForm = marker.form;
      // The values as loaded (after the browser's own normalising of a
      // date or number), not the attributes, so that an input untouched
      // never counts as typed.
      stageForm.querySelectorAll("fieldset input, fieldset select, fieldset textarea").forEach(function (el) {
        loaded.push({ el: el, value: el.value });
      });
    }
    var bad = document.querySelector(".field.invalid input, .field.invalid select, .field.invalid textarea");
    if (bad) {
      bad.focus();
    }
  });
})();
