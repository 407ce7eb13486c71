// Copy buttons beside an address or link: the clipboard when allowed, otherwise the text is
// selected so Ctrl+C works, and the user is told which. `copied` names what was copied for 2 s.

const SHOWN_MS = 2000

export class Copier {
  /** What was copied last, for the status line; '' once it has been shown long enough. */
  copied = $state('')
  /** The element showing each text, to select it when the clipboard refuses. */
  readonly shown: Record<string, HTMLElement> = {}
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #onfail: (text: string) => void

  /** `onfail` is told, with a sentence for the user, when copying fails. */
  constructor(onfail: (text: string) => void) {
    this.#onfail = onfail
  }

  async copy(text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text)
      this.copied = text
      clearTimeout(this.#timer)
      this.#timer = setTimeout(() => (this.copied = ''), SHOWN_MS)
    } catch {
      // No clipboard permission (or no clipboard API): select the text so Ctrl+C works.
      const el = this.shown[text]
      if (el) window.getSelection()?.selectAllChildren(el)
      this.#onfail(`Could not copy ${text}; it is selected, press Ctrl+C to copy it.`)
    }
  }
}
