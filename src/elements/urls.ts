/** The origins of the Palavers the widgets of this page talk to (by their base paths). */
const palaverOrigins = new Set<string>()

/** Notes a base path the page's widgets use (see palaverUrl); the Runtime of each base path calls it. */
export function notePalaverBase(basePath: string): void {
  palaverOrigins.add(new URL(basePath, globalThis.document?.baseURI ?? import.meta.url).origin)
}

/**
 * An address Palaver handed out, as this page must load it. A default avatar is a path on Palaver's own
 * origin (`/messages/avatars/…`), which is not always the page's: the widgets' `base-path` may name
 * another origin (`https://chat.example.com/messages`), and the bundle itself may come from a CDN. The
 * base path is what names Palaver's origin, so a path resolves against it. Should one page talk to
 * Palavers on several origins, no one of them is right for every path: the bundle's own URL is used
 * then, as Palaver serves it by default (`<base path>/static/`). A full address stays as it is.
 */
export function palaverUrl(address: string): string {
  const base = palaverOrigins.size === 1 ? [...palaverOrigins][0]! : import.meta.url
  return new URL(address, base).href
}

/**
 * A file's address that downloads it (`?download`). The `download` attribute alone is ignored for a
 * file of another origin, and a picture would open instead; Palaver answers this one as a download.
 */
export function downloadUrl(fileUrl: string): string {
  return `${fileUrl}${fileUrl.includes('?') ? '&' : '?'}download`
}
