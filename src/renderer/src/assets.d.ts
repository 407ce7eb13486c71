// Files the renderer imports as URLs (Vite emits them with the build, or inlines small ones).
declare module '*.svg' {
  const url: string
  export default url
}
