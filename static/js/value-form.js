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

// A cell's flag and source note: without JavaScript the "Flag/note" button saves the form and
// opens the cell's own page; with it, one dialog edits the cell's hidden f-/n- fields in place.
// A cell without those fields had no flag or note when the page was loaded, so the fields made
// here start from empty (of-/on-), as the server expects (services.changes_from_form).
const dialog = document.querySelector(".pr-cell-dialog");
if (form && dialog && typeof dialog.showModal === "function") {
  const flag = dialog.querySelector("#cell-dialog-flag");
  const note = dialog.querySelector("#cell-dialog-note");
  const title = dialog.querySelector("#cell-dialog-title");
  let cell = null;
  let opener = null;

  const hidden = (name) => {
    let input = form.querySelector(`input[type=hidden][name="${CSS.escape(name)}"]`);
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = "";
      opener.after(input);
    }
    return input;
  };

  form.addEventListener("click", (event) => {
    const button = event.target.closest(".pr-cell-details");
    if (!button) return;
    event.preventDefault();
    opener = button;
    cell = button.value;
    for (const prefix of ["of-", "on-"]) hidden(prefix + cell);
    flag.value = hidden("f-" + cell).value;
    note.value = hidden("n-" + cell).value;
    title.textContent = button.getAttribute("aria-label");
    dialog.showModal();
    flag.focus();
  });

  dialog.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]");
    if (!action) return;
    if (action.dataset.action === "apply") {
      hidden("f-" + cell).value = flag.value;
      hidden("n-" + cell).value = note.value.trim();
      let mark = document.getElementById(cell + "-mark");
      if (!mark) {
        mark = document.createElement("strong");
        mark.className = "govuk-body-s pr-flag";
        mark.id = cell + "-mark";
        opener.before(mark);
        const input = document.getElementById(cell);
        const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        input.setAttribute("aria-describedby", [...described, mark.id].join(" "));
      }
      const words = [flag.value ? flag.options[flag.selectedIndex].text : "", note.value.trim() ? dialog.dataset.withNote : ""];
      mark.textContent = words.filter(Boolean).join(", ");
    }
    dialog.close();
    opener.focus();
  });
}
