import { html, type TemplateResult } from 'lit'

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi
// Punctuation that usually ends a sentence rather than the address.
const TRAILING = /[.,;:!?'")\]}]+$/

/** A safe link target: only http and https, parsed by the browser. */
export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

/**
 * A message body as text with its http(s) addresses made links. Lit puts every piece in as text
 * (never as HTML), so markup in a message shows as typed.
 */
export function renderBody(body: string): Array<string | TemplateResult> {
  const parts: Array<string | TemplateResult> = []
  let last = 0
  for (const match of body.matchAll(URL_PATTERN)) {
    let text = match[0]
    const trailing = TRAILING.exec(text)?.[0] ?? ''
    if (trailing) text = text.slice(0, -trailing.length)
    const href = safeHref(text)
    if (!href) continue
    const start = match.index ?? 0
    if (start > last) parts.push(body.slice(last, start))
    parts.push(html`<a href=${href} target="_blank" rel="noopener noreferrer nofollow">${text}</a>`)
    last = start + text.length
  }
  if (last < body.length) parts.push(body.slice(last))
  return parts
}
