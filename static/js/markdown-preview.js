// Markdown preview without a reload: a button[data-preview-for] beside a text area posts the text (with the
// form's CSRF token) to its data-preview-url and shows the answer, sanitised on the server, in
// #<text area id>-preview. Without JavaScript the same button submits the form, and the page comes back
// with the text kept and the preview shown; if the request fails, that is what happens too.
document.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-preview-for]')
  if (!button || !button.form) return
  const textarea = document.getElementById(button.dataset.previewFor)
  const target = document.getElementById(button.dataset.previewFor + '-preview')
  const token = button.form.querySelector('input[name="csrf_token"]')
  if (!textarea || !target || !token) return
  event.preventDefault()
  try {
    const response = await fetch(button.dataset.previewUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': token.value },
      body: new URLSearchParams({ text: textarea.value, csrf_token: token.value })
    })
    if (!response.ok) throw new Error(`preview answered ${response.status}`)
    target.innerHTML = await response.text() // sanitised by peerreview/markdown.py
    target.hidden = false
  } catch (error) {
    button.form.requestSubmit(button)
  }
})
