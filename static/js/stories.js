// Story pages: the printable version offers a "Print this story" button when JavaScript runs.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-story-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
