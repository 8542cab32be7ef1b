// The value form: remember which indicator the person was working on, so that the page
// returns there after a save (the server redirects to #ind-<id>).
const form = document.querySelector(".pr-value-form");
if (form) {
  const anchor = form.querySelector(".pr-return-anchor");
  form.addEventListener("focusin", (event) => {
    const table = event.target.closest("table[id^='ind-']");
    if (table && anchor) anchor.value = table.id;
  });
}
