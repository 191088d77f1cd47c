// Shared behaviour for every page, loaded as a module (no inline scripts: the CSP forbids them).
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();

// htmx sends the CSRF token with each request it makes.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});

// Content that htmx swaps in gets the NHS.UK component behaviour too.
document.addEventListener("htmx:afterSwap", (event) => {
  initAll({ scope: event.detail.elt });
});
