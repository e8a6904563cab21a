/**
 * An address Palaver handed out, as this page must load it. A default avatar is a path on Palaver's own
 * origin (`/messages/avatars/…`): on a page of another origin (`base-path="https://chat.example.com/…"`)
 * it must not be read as a path of the page's. The widgets are only ever served by Palaver, from
 * `<base path>/static/`, so the bundle's own URL names that origin; a full address stays as it is.
 */
export function palaverUrl(address: string): string {
  return new URL(address, import.meta.url).href
}

/**
 * A file's address that downloads it (`?download`). The `download` attribute alone is ignored for a
 * file of another origin, and a picture would open instead; Palaver answers this one as a download.
 */
export function downloadUrl(fileUrl: string): string {
  return `${fileUrl}${fileUrl.includes('?') ? '&' : '?'}download`
}
