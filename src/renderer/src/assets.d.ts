// Files the renderer imports as URLs (Vite emits them with the build, or inlines small ones).
declare module '*.svg' {
  const url: string
  export default url
}
// `?no-inline`: always a file of the build, never a data: URL (the CSP allows images from 'self' only).
declare module '*.svg?no-inline' {
  const url: string
  export default url
}
