// Whether the page is used with a finger: the primary pointer is coarse (phones, tablets).
export function touchScreen(win: Window = window): boolean {
  return win.matchMedia?.('(pointer: coarse)').matches ?? false
}
