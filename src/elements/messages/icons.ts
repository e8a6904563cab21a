import { svg } from 'lit'
import { bellShape, icon } from '../icons.js'

/** The messages page's own line icons, drawn as the shared ones are. */
export const pageIcons = {
  search: icon(svg`<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>`),
  compose: icon(svg`<path d="M12 20h9"/><path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z"/>`),
  compass: icon(svg`<circle cx="12" cy="12" r="9"/><path d="m15.5 8.5-2 5-5 2 2-5z"/>`),
  leave: icon(svg`<path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3"/><path d="M10 17l-5-5 5-5M5 12h11"/>`),
  more: icon(
    svg`<circle cx="12" cy="5" r="1"/><circle cx="12" cy="12" r="1"/><circle cx="12" cy="19" r="1"/>`,
  ),
  back: icon(svg`<path d="M19 12H5M11 18l-6-6 6-6"/>`),
  // The chat bubble, smaller, with the dot that says "unread" at its corner.
  markUnread: icon(
    svg`<path d="M18 13a7 7 0 0 1-10.15 6.21L3.1 20l.9-4A7 7 0 1 1 18 13z"/><circle cx="19" cy="5" r="2.5" fill="currentColor"/>`,
  ),
  hash: icon(svg`<path d="M5 9h14M5 15h14M10 4 8 20M16 4l-2 16"/>`),
  // The desktop notifications' toggle: off, a bell with a "+" (turn them on); on, a ringing bell. A
  // crossed-out bell would read as a muted chat, which is what the list and the header show with one.
  bellPlus: icon(
    svg`<path d="M18.1 12.5c.5 3.1 2.4 4.5 2.4 4.5h-17S6 14.5 6 9a6 6 0 0 1 7.5-5.8"/><path d="M10 20.5a2.3 2.3 0 0 0 4 0"/><path d="M19 2.5v5M16.5 5h5"/>`,
  ),
  bellRing: icon(svg`${bellShape}<path d="M2.5 8.5a9 9 0 0 1 2-5M21.5 8.5a9 9 0 0 0-2-5"/>`),
}
