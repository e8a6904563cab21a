/** A stable hue per user id, so a person keeps their colour everywhere. */
function hueOf(id: string): number {
  let hash = 2166136261
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i)
    hash = Math.imul(hash, 16777619)
  }
  return (hash >>> 0) % 360
}

function initialsOf(name: string): string {
  // Control and format characters (a stray right-to-left mark, say) show nothing: they are no initial.
  const words = name.replace(/\p{C}/gu, '').trim().split(/\s+/u).filter(Boolean)
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0] ?? '?']
  return letters
    .map((w) => Array.from(w ?? '')[0] ?? '')
    .join('')
    .toLocaleUpperCase()
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The picture itself: `initials` on a circle of `hue`. */
export function initialsSvg(hue: number, initials: string): string {
  return (
    `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'>` +
    `<circle cx='32' cy='32' r='32' fill='hsl(${hue} 55% 42%)'/>` +
    `<text x='32' y='41' text-anchor='middle' fill='white' font-family='system-ui,sans-serif' font-size='26' font-weight='600'>${escapeXml(initials)}</text></svg>`
  )
}

/**
 * The seed's default avatar as a self-contained SVG data URL: the user's initials on a circle of their
 * stable colour. For hosts that want it where no request can be made; Palaver's own default is
 * initialsAvatarPath, whose address is much shorter than this picture.
 */
export function initialsAvatar(id: string, name: string): string {
  const svg = initialsSvg(hueOf(id), initialsOf(name))
  return `data:image/svg+xml;charset=utf-8,${svg.replace(/[%#<>"]|[^\x20-\x7e]/gu, (c) => encodeURIComponent(c))}`
}

/** Where the default avatars are served, under the base path (see avatarRoutes). */
export const AVATARS_PATH = '/avatars'

/**
 * The default avatar's address: the same picture as initialsAvatar, served by Palaver. A user view travels
 * in every message event, answer and stored event, so it carries this address (about 30 bytes) rather than
 * the picture (about 370); the picture is fetched once per colour and initials, and cached for good,
 * since everything it shows is in its address.
 */
export function initialsAvatarPath(basePath: string, id: string, name: string): string {
  return `${basePath}${AVATARS_PATH}/${hueOf(id)}/${encodeURIComponent(initialsOf(name))}.svg`
}
