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
  const words = name.trim().split(/\s+/u).filter(Boolean)
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0] ?? '?']
  return letters
    .map((w) => Array.from(w ?? '')[0] ?? '')
    .join('')
    .toLocaleUpperCase()
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The seed's default avatar: the user's initials on a circle of their stable colour, as an SVG data URL. */
export function initialsAvatar(id: string, name: string): string {
  // Single quotes and only the characters a URL needs escaped: this travels in every message event.
  const svg =
    `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'>` +
    `<circle cx='32' cy='32' r='32' fill='hsl(${hueOf(id)} 55% 42%)'/>` +
    `<text x='32' y='41' text-anchor='middle' fill='white' font-family='system-ui,sans-serif' font-size='26' font-weight='600'>${escapeXml(initialsOf(name))}</text></svg>`
  return `data:image/svg+xml;charset=utf-8,${svg.replace(/[%#<>"]|[^\x20-\x7e]/gu, (c) => encodeURIComponent(c))}`
}
