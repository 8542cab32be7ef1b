// Sortable tables: <table data-sortable> with <th data-sort="number|text"> headers.
// Each cell may carry data-sort-value (the exact number); without JavaScript the table
// keeps its server order (best first), so nothing depends on this file.
function sortBy (table, column, type, ascending) {
  const body = table.tBodies[0]
  const rows = Array.from(body.rows)
  const key = (row) => {
    const cell = row.cells[column]
    const raw = cell.dataset.sortValue !== undefined ? cell.dataset.sortValue : cell.textContent.trim()
    if (type === 'number') {
      const n = parseFloat(raw)
      return Number.isNaN(n) ? null : n
    }
    return raw.toLocaleLowerCase()
  }
  rows.sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    if (ka === null && kb === null) return 0
    if (ka === null) return 1 // empty cells stay at the bottom in both directions
    if (kb === null) return -1
    const order = ka < kb ? -1 : ka > kb ? 1 : 0
    return ascending ? order : -order
  })
  rows.forEach((row) => body.appendChild(row))
}

document.querySelectorAll('table[data-sortable]').forEach((table) => {
  table.querySelectorAll('th[data-sort]').forEach((th, column) => {
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'pr-sort-button'
    button.textContent = th.textContent.trim()
    th.textContent = ''
    th.appendChild(button)
    th.setAttribute('aria-sort', 'none')
    button.addEventListener('click', () => {
      const ascending = th.getAttribute('aria-sort') !== 'ascending'
      table.querySelectorAll('th[aria-sort]').forEach((other) => other.setAttribute('aria-sort', 'none'))
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending')
      sortBy(table, Array.from(th.parentNode.children).indexOf(th), th.dataset.sort, ascending)
    })
  })
})
