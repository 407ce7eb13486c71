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

// Letters of the scripts written right to left (Unicode's strong R and AL letters, by script).
const RTL_LETTER =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}\p{Script=Yezidi}\p{Script=Mende_Kikakui}\p{Script=Imperial_Aramaic}\p{Script=Phoenician}\p{Script=Old_South_Arabian}\p{Script=Avestan}]/u
const LETTER = /\p{L}/u

/**
 * The direction of a paragraph of `text`, as `dir="auto"` decides it: its first letter's (the
 * direction controls in it do not count; they are shown as inert markers). Undefined without a
 * letter. Set by hand because Chromium kept a recycled row's old direction after its text changed.
 */
export function textDirection(text: string): 'rtl' | 'ltr' | undefined {
  const letter = LETTER.exec(text.replace(new RegExp(DIRECTION_CONTROL.source, 'gu'), ''))
  if (!letter) return undefined
  return RTL_LETTER.test(letter[0]) ? 'rtl' : 'ltr'
}

/**
 * Replaces `el`'s content with `text`; a click on one of its links calls `open` with the vetted
 * target instead of navigating (the host opens it in the system browser).
 */
export function fillLinkified(el: HTMLElement, text: string, open: (url: string) => void): void {
  el.dir = textDirection(text) ?? 'auto'
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
