import { svg } from 'lit'

/** Line icons (24×24, stroke follows currentColor), decorative: the button carries the name. */
export const icon = (paths: ReturnType<typeof svg>) =>
  svg`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${paths}</svg>`

/** A bell's outline, which the messages page's own bells are drawn on too. */
export const bellShape = svg`<path d="M6 9a6 6 0 0 1 12 0c0 5.5 2.5 8 2.5 8h-17S6 14.5 6 9z"/><path d="M10 20.5a2.3 2.3 0 0 0 4 0"/>`

export const icons = {
  send: icon(svg`<path d="M4 12 20 4l-4 16-4-7-8-1z"/><path d="m12 13 8-9"/>`),
  close: icon(svg`<path d="M6 6l12 12M18 6 6 18"/>`),
  reply: icon(svg`<path d="m9 17-5-5 5-5"/><path d="M20 18v-2a4 4 0 0 0-4-4H4"/>`),
  smile: icon(
    svg`<circle cx="12" cy="12" r="9"/><path d="M8.5 14.5a4.5 4.5 0 0 0 7 0"/><path d="M9 9.5h.01M15 9.5h.01"/>`,
  ),
  edit: icon(svg`<path d="M4 20h4L19 9l-4-4L4 16v4z"/><path d="m13.5 6.5 4 4"/>`),
  trash: icon(
    svg`<path d="M4 7h16"/><path d="M10 11v6M14 11v6"/><path d="M6 7l1 13h10l1-13"/><path d="M9 7V4h6v3"/>`,
  ),
  chat: icon(svg`<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/>`),
  check: icon(svg`<path d="m5 12.5 4.5 4.5L19 7.5"/>`),
  checks: icon(svg`<path d="m2.5 12.5 4.5 4.5L16.5 7.5"/><path d="m11.5 16 1 1L22 7.5"/>`),
  clock: icon(svg`<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>`),
  alert: icon(svg`<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5h.01"/>`),
  arrowDown: icon(svg`<path d="M12 5v14M6 13l6 6 6-6"/>`),
  users: icon(
    svg`<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 13 0"/><path d="M16 4.6a3.5 3.5 0 0 1 0 6.8M18.5 20a6.5 6.5 0 0 0-3-5.5"/>`,
  ),
  bell: icon(bellShape),
  bellOff: icon(
    svg`<path d="M8.8 3.9A6 6 0 0 1 18 9c0 2.9.7 4.9 1.4 6.1"/><path d="M17 17H3.5S6 14.5 6 9c0-.7.1-1.4.4-2"/><path d="M10 20.5a2.3 2.3 0 0 0 4 0"/><path d="m3 3 18 18"/>`,
  ),
  ban: icon(svg`<circle cx="12" cy="12" r="9"/><path d="m5.7 5.7 12.6 12.6"/>`),
  lock: icon(svg`<rect x="5" y="11" width="14" height="9" rx="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/>`),
  paperclip: icon(
    svg`<path d="m20 11.5-8.1 8.1a5 5 0 0 1-7.1-7.1l8.5-8.5a3.4 3.4 0 0 1 4.8 4.8l-8.4 8.4a1.7 1.7 0 0 1-2.4-2.4L15 7.1"/>`,
  ),
  file: icon(
    svg`<path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z"/><path d="M14 3v5h5M9 13h6M9 17h4"/>`,
  ),
  download: icon(svg`<path d="M12 4v11M7 10.5l5 5 5-5"/><path d="M5 20h14"/>`),
  chevron: icon(svg`<path d="m9 5 7 7-7 7"/>`),
  pin: icon(svg`<path d="M12 16v5M8 3h8M9 3v6l-3 4v3h12v-3l-3-4V3"/>`),
  expand: icon(svg`<path d="M14 4h6v6M20 4l-8 8"/><path d="M19 14v5H5V5h5"/>`),
}
