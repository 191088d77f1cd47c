// Community management: "Copy link" buttons for invitation links (the links stay selectable without JavaScript).
// What a button says once it copied comes from its data-copied-text, translated by the page.
for (const button of document.querySelectorAll("[data-copy-target]")) {
  const input = document.getElementById(button.dataset.copyTarget);
  if (!input || !navigator.clipboard) {
    continue;
  }
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      button.textContent = button.dataset.copiedText;
    } catch {
      input.select();
    }
  });
}
