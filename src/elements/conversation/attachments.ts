import { css, html, nothing } from 'lit'
import type { AttachmentView } from '../../client/index.js'
import type { Translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { downloadUrl } from '../urls.js'

/** What the files of a message need from the conversation. */
export interface AttachmentContext {
  i18n: Translator
  /** The address this page loads a file from. */
  fileUrl(attachment: AttachmentView): string
  /** Opens the picture viewer on `pictures[index]`. */
  openPicture(pictures: AttachmentView[], index: number): void
}

const THUMB = 320

/** Whether a file shows as a picture: the server checked and measured it. */
export const isPicture = (file: AttachmentView) => file.width !== null && file.height !== null

/** A picture's size on screen: within THUMB×THUMB, its shape kept (the page keeps its place before it loads). */
function thumbSize(file: AttachmentView): { width: number; height: number } {
  const width = file.width ?? THUMB
  const height = file.height ?? THUMB
  const scale = Math.min(1, THUMB / width, THUMB / height)
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

/** A long name keeps its extension in view ("quarterly-rep….pdf"): the start gives way. */
export function fileName(name: string) {
  const dot = name.lastIndexOf('.')
  const cut = dot > 0 && name.length - dot <= 8 ? dot : name.length
  return html`<span class="file-name" dir="auto" title=${name}><span class="file-start">${name.slice(0, cut)}</span><span class="file-end">${name.slice(cut)}</span></span>`
}

/** The files of a message: its pictures as thumbnails (one large, several in a grid), other files as cards. */
export function renderAttachments(files: readonly AttachmentView[], ctx: AttachmentContext) {
  if (files.length === 0) return nothing
  const t = ctx.i18n
  const pictures = files.filter(isPicture)
  const others = files.filter((file) => !isPicture(file))
  return html`<div class="files" part="attachments">
    ${
      pictures.length
        ? html`<div class="pictures ${pictures.length > 1 ? 'grid' : ''}">
            ${pictures.map((file, index) => {
              const { width, height } = thumbSize(file)
              return html`<button type="button" class="picture" data-picture=${file.id} aria-haspopup="dialog"
                @click=${() => ctx.openPicture(pictures, index)}>
                <img src=${ctx.fileUrl(file)} alt=${file.name} width=${width} height=${height} loading="lazy" />
              </button>`
            })}
          </div>`
        : nothing
    }
    ${others.map(
      (file) => html`<div class="file">
        <span class="file-icon">${icons.file}</span>
        <span class="file-text">${fileName(file.name)}<span class="file-size">${t.fileSize(file.size)}</span></span>
        <a class="icon-button file-download" href=${downloadUrl(ctx.fileUrl(file))} download=${file.name}
          aria-label=${t.t('downloadFile', { name: file.name })}>${icons.download}</a>
      </div>`,
    )}
  </div>`
}

/** A file's name on one line, cut in the middle when it is too long (the tray's chips use it too). */
export const fileNameStyles = css`
  .file-name {
    display: flex;
    min-width: 0;
    font-weight: 600;
    white-space: pre;
  }
  .file-start {
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .file-end {
    flex: none;
  }
`

export const attachmentStyles = css`
  .files {
    display: flex;
    flex-direction: column;
    gap: 4px;
    margin: 2px 0 4px;
  }
  .pictures.grid {
    display: grid;
    grid-template-columns: repeat(2, minmax(0, 150px));
    gap: 4px;
  }
  .picture {
    display: grid;
    place-items: center;
    min-width: 48px;
    min-height: 48px;
    max-width: 100%;
    padding: 0;
    border: 0;
    border-radius: 12px;
    overflow: hidden;
    background: var(--palaver-surface-2);
    cursor: zoom-in;
  }
  .picture img {
    display: block;
    max-width: 100%;
    height: auto;
  }
  .grid .picture {
    aspect-ratio: 1;
  }
  .grid .picture img {
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  /* A file's card may take the row (past a text's 78%): at 320 px its name had 38 px. */
  .content:has(.file) {
    max-width: min(100%, 560px);
  }
  .file {
    position: relative;
    display: flex;
    align-items: center;
    gap: 10px;
    min-width: min(15em, 100%);
    padding: 8px;
    border-radius: 12px;
    background: color-mix(in srgb, currentColor 8%, transparent);
  }
  .file-icon {
    flex: none;
    display: grid;
    place-items: center;
    width: 36px;
    height: 36px;
    border-radius: 8px;
    background: var(--palaver-accent);
    color: var(--palaver-accent-fg);
  }
  .own .file-icon {
    background: var(--palaver-accent-fg);
    color: var(--palaver-accent);
  }
  .file-icon svg {
    width: 20px;
    height: 20px;
  }
  .file-text {
    flex: 1;
    min-width: 0;
    display: flex;
    flex-direction: column;
  }
  .file-size {
    font-size: 0.8em;
  }
  .file-download {
    flex: none;
    color: inherit;
  }
  /* The whole card downloads; the link carries the name. */
  .file-download::after {
    content: '';
    position: absolute;
    inset: 0;
    border-radius: 12px;
  }
  .dropzone {
    position: absolute;
    inset: 6px;
    z-index: 6;
    display: grid;
    place-items: center;
    border: 2px dashed var(--palaver-accent);
    border-radius: var(--palaver-radius);
    background: color-mix(in srgb, var(--palaver-bg) 90%, transparent);
    color: var(--palaver-accent);
    font-weight: 600;
    text-align: center;
    pointer-events: none;
  }
  .dropzone span {
    display: flex;
    flex-direction: column;
    align-items: center;
    gap: 8px;
    padding: 16px;
  }
  .dropzone svg {
    width: 32px;
    height: 32px;
  }
`
