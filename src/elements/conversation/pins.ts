import { css, html, nothing } from 'lit'
import type { MessageView } from '../../client/index.js'
import type { Translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { oneLine } from '../text.js'

/**
 * The chat's pinned messages, above the list: the one at `index` (0: the most recently pinned), with how
 * many there are. Choosing it shows it in the list, and the bar moves on to the next, round, as chat apps do.
 */
export function renderPinned(
  pins: readonly MessageView[],
  index: number,
  t: Translator,
  show: (pin: MessageView) => void,
) {
  const pin = pins[index % pins.length]
  if (!pin) return nothing
  const label =
    pins.length > 1
      ? t.t('pinnedOf', { index: t.number((index % pins.length) + 1), count: t.number(pins.length) })
      : t.t('pinned')
  return html`<button type="button" class="pinned" part="pinned" data-id=${pin.id} @click=${() => show(pin)}>
    ${icons.pin}<span class="pinned-label">${label}</span>
    <span class="pinned-text" dir="auto">${oneLine(pin.body ?? '') || t.t('attachmentPreview')}</span>
  </button>`
}

export const pinnedStyles = css`
  .pinned {
    display: flex;
    align-items: center;
    gap: 8px;
    flex: none;
    width: 100%;
    padding: 8px 14px;
    border: 0;
    border-bottom: 1px solid var(--palaver-border);
    background: var(--palaver-surface);
    color: var(--palaver-fg);
    font: inherit;
    font-size: 0.88em;
    text-align: start;
    cursor: pointer;
  }
  .pinned:hover {
    background: var(--palaver-surface-2);
  }
  .pinned svg {
    flex: none;
    width: 16px;
    height: 16px;
    color: var(--palaver-accent);
  }
  .pinned-label {
    flex: none;
    font-weight: 600;
    color: var(--palaver-accent);
  }
  .pinned-text {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
  }
`
