// Fills an element with a message's text, its http(s) links as anchors. Nodes are made with
// createTextNode and textContent only, so chat text is never parsed as HTML; link targets are the
// ones segmentText vetted. Done by hand rather than with a Svelte {#each}: a drawn row gets new
// text on every scroll step, and rebuilding a block per segment was most of a row's cost.
import { DIRECTION_CONTROL, escapeOf } from './names'
import { segmentText } from './text'

const HAS_DIRECTION_CONTROL = new RegExp(DIRECTION_CONTROL.source)

/**
 * Text nodes for `text`, each direction control (embedding, override, isolate) replaced by an
 * inert marker that shows it (`<U+202E>`): isolated itself, it cannot reorder the text around it.
 */
function textNodes(text: string): Node[] {
  if (!HAS_DIRECTION_CONTROL.test(text)) return [document.createTextNode(text)]
  const nodes: Node[] = []
  let from = 0
  for (const match of text.matchAll(DIRECTION_CONTROL)) {
    if (match.index > from) nodes.push(document.createTextNode(text.slice(from, match.index)))
    const marker = document.createElement('span')
    marker.className = 'direction-control'
    marker.textContent = escapeOf(match[0])
    marker.title = 'A direction control from the message, shown so it cannot reorder the text.'
    nodes.push(marker)
    from = match.index + match[0].length
  }
  if (from < text.length) nodes.push(document.createTextNode(text.slice(from)))
  return nodes
}

/**
 * Replaces `el`'s content with `text`; a click on one of its links calls `open` with the vetted
 * target instead of navigating (the host opens it in the system browser).
 */
export function fillLinkified(el: HTMLElement, text: string, open: (url: string) => void): void {
  const segments = segmentText(text)
  if (segments.length <= 1 && segments[0]?.kind !== 'link' && !HAS_DIRECTION_CONTROL.test(text)) {
    // Plain text (the common case): one text node.
    el.textContent = text
    return
  }
  const nodes: Node[] = []
  for (const seg of segments) {
    if (seg.kind === 'text') {
      nodes.push(...textNodes(seg.text))
      continue
    }
    const a = document.createElement('a')
    a.href = seg.url
    a.rel = 'noopener noreferrer'
    // The text shows the host it will really open (punycode for an IDN); the tooltip the whole target.
    a.replaceChildren(...textNodes(seg.text))
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
