// Django admin: its autocomplete widgets (select2) leave their controls without an
// accessible name when nothing is chosen yet. Name each after its field's label, now and
// whenever the admin adds one (an inline row, a chosen value redrawing the widget).
const nameAutocompleteControls = () => {
  for (const select of document.querySelectorAll("select.admin-autocomplete")) {
    const label = select.id && document.querySelector(`label[for="${select.id}"]`);
    const widget = select.nextElementSibling;
    if (!label || !widget || !widget.classList.contains("select2")) continue;
    const name = label.textContent.replace(/:\s*$/, "").trim();
    for (const control of widget.querySelectorAll('[role="combobox"], [role="textbox"], .select2-search__field')) {
      if (!control.hasAttribute("aria-label")) control.setAttribute("aria-label", name);
    }
  }
};

new MutationObserver(nameAutocompleteControls).observe(document.documentElement, {
  childList: true,
  subtree: true,
});
nameAutocompleteControls();
