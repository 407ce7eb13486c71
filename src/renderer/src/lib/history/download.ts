// Saving a file from the page: a download of a Blob, so nothing is built from the file's text.

/** Hands `content` to the browser as a download named `name`. */
export function saveFile(name: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: `${type};charset=utf-8` }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  // The download has taken the data by the next turn; the URL is not needed after.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
