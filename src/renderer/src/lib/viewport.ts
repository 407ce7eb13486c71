// The phone's on-screen keyboard must never cover the composer. Chromium on Android shrinks the
// page when it opens (room.html asks for interactive-widget=resizes-content); Safari on iOS does
// not, but reports the part the keyboard leaves in visualViewport. The page's height follows it
// (--visible-height, used by phone.css), so the composer sits right above the keyboard either way.
export function followVisualViewport(win: Window = window): () => void {
  const vv = win.visualViewport
  if (!vv) return () => {}
  const root = win.document.documentElement
  const update = (): void => {
    root.style.setProperty('--visible-height', `${Math.round(vv.height)}px`)
    // iOS scrolls the page under the keyboard; keep the top of the app in view instead.
    if (vv.offsetTop > 0 && win.scrollY !== 0) win.scrollTo(0, 0)
  }
  update()
  vv.addEventListener('resize', update)
  vv.addEventListener('scroll', update)
  return () => {
    vv.removeEventListener('resize', update)
    vv.removeEventListener('scroll', update)
  }
}
