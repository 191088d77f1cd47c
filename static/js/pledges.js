// Pledge pages: a live preview of the sentence being typed, and a button that copies
// the pledge's link. Everything here is an enhancement; the pages work without it.
// Every word shown comes from the page's data attributes, translated by the server.
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
    var thresholdTexts = {};
    try {
      thresholdTexts = JSON.parse(preview.getAttribute("data-threshold-texts") || "{}");
    } catch (error) {
      thresholdTexts = {};
    }
    var plurals =
      window.Intl && Intl.PluralRules
        ? new Intl.PluralRules(document.documentElement.lang || "en")
        : null;

    function thresholdText(n) {
      var category = plurals ? plurals.select(n) : n === 1 ? "one" : "other";
      var text = thresholdTexts[category] || thresholdTexts.other;
      return text ? " \u2026" + text.replace("{n}", String(n)) : "";
    }

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
        thresholdOut.textContent = n >= 1 ? thresholdText(n) : "";
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
    if (!field || !navigator.clipboard || !field.getAttribute("data-copy-text")) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-top-2 nhsuk-u-margin-bottom-0";
    button.textContent = field.getAttribute("data-copy-text");
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
          status.textContent = field.getAttribute("data-copied-text") || "";
        },
        function () {
          field.select();
          status.textContent = field.getAttribute("data-copy-hint") || "";
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
