// Pledge pages: a live preview of the sentence being typed, and a "Copy link" button.
// Everything here is an enhancement; the pages work without it.
(function () {
  "use strict";

  function initPreview() {
    var preview = document.querySelector("[data-pledge-preview]");
    var title = document.querySelector("[data-pledge-title]");
    if (!preview || !title) {
      return;
    }
    var titleOut = preview.querySelector("[data-preview-title]");
    var thresholdOut = preview.querySelector("[data-preview-threshold]");
    var threshold = document.querySelector("[data-pledge-threshold]");

    function cleanTitle(text) {
      var value = text.replace(/\s+/g, " ").trim();
      var match = value.match(/^(i will|i'll|i\u2019ll)\s+/i);
      if (match) {
        value = value.slice(match[0].length);
      }
      return value.replace(/[\s\u2026]+$/, "");
    }

    function update() {
      titleOut.textContent = cleanTitle(title.value) || "\u2026";
      if (thresholdOut) {
        var n = threshold ? parseInt(threshold.value, 10) : NaN;
        thresholdOut.textContent =
          n >= 1
            ? " \u2026but only if " + n + " other " + (n === 1 ? "person" : "people") + " will too"
            : "";
      }
    }

    title.addEventListener("input", update);
    if (threshold) {
      threshold.addEventListener("input", update);
    }
    update();
  }

  function initShare() {
    var field = document.querySelector("[data-share-url]");
    if (!field || !navigator.clipboard) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-top-2 nhsuk-u-margin-bottom-0";
    button.textContent = "Copy link";
    var status = document.createElement("p");
    status.className = "nhsuk-body-s";
    status.setAttribute("role", "status");
    field.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", status);
    field.addEventListener("focus", function () {
      field.select();
    });
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          status.textContent = "Link copied.";
        },
        function () {
          field.select();
          status.textContent = "Press Ctrl+C (or \u2318C) to copy the selected link.";
        }
      );
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      initPreview();
      initShare();
    });
  } else {
    initPreview();
    initShare();
  }
})();
