// Fills an element with a message's text, its http(s) links as anchors. Nodes are made with
// createTextNode and textContent only, so chat text is never parsed as HTML; link targets are the
// ones segmentText vetted. Done by hand rather than with a Svelte {#each}: a drawn row gets new
// text on every scroll step, and rebuilding a block per segment was most of a row's cost.
import { segmentText } from './text'

/**
 * Replaces `el`'s content with `text`; a click on one of its links calls `open` with the vetted
 * target instead of navigating (the host opens it in the system browser).
 */
export function fillLinkified(el: HTMLElement, text: string, open: (url: string) => void): void {
  const segments = segmentText(text)
  if (segments.length <= 1 && segments[0]?.kind !== 'link') {
    // Plain text (the common case): one text node.
    el.textContent = text
    return
  }
  const nodes: Node[] = []
  for (const seg of segments) {
    if (seg.kind === 'text') {
      nodes.push(document.createTextNode(seg.text))
      continue
    }
    const a = document.createElement('a')
    a.href = seg.url
    a.rel = 'noopener noreferrer'
    // The text shows the host it will really open (punycode for an IDN); the tooltip the whole target.
    a.textContent = seg.text
    a.title = seg.url
    const url = seg.url
    a.addEventListener('click', (e) => {
      e.preventDefault()
      open(url)
    })
    nodes.push(a)
  }
  el.replaceChildren(...nodes)
}
