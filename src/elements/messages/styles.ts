import { css } from 'lit'

/** Chat avatars: a partner's picture, a room's hash, a group's initials on one of six tones. */
export const avatarStyles = css`
  .avatar {
    flex: none;
    display: inline-grid;
    place-items: center;
    width: 46px;
    height: 46px;
    border-radius: 50%;
    object-fit: cover;
    color: #fff;
    font-weight: 650;
    font-size: 0.95em;
    letter-spacing: 0.02em;
    user-select: none;
  }
  .avatar.large {
    width: 40px;
    height: 40px;
    font-size: 0.9em;
  }
  .avatar svg {
    width: 46%;
    height: 46%;
  }
  .avatar.room {
    background: var(--palaver-accent-soft);
    color: var(--palaver-accent);
  }
  .tone-0 {
    background: #4f46e5;
  }
  .tone-1 {
    background: #0f766e;
  }
  .tone-2 {
    background: #b4233c;
  }
  .tone-3 {
    background: #9a4d00;
  }
  .tone-4 {
    background: #7e22ce;
  }
  .tone-5 {
    background: #1d4ed8;
  }
`

/** The messages page: a chat list beside the conversation, or two tabs on a narrow screen. */
export const pageStyles = css`
  :host {
    display: block;
    height: 100dvh;
    background: var(--palaver-bg);
  }
  .page {
    position: relative;
    display: grid;
    grid-template-columns: clamp(290px, 32%, 380px) minmax(0, 1fr);
    grid-template-rows: minmax(0, 1fr);
    height: 100%;
    padding-top: var(--palaver-top-offset);
    padding-bottom: var(--palaver-bottom-offset);
    background: var(--palaver-bg);
    color: var(--palaver-fg);
  }
  .page.narrow {
    grid-template-columns: minmax(0, 1fr);
    grid-template-rows: auto minmax(0, 1fr);
  }

  /* the tabs of a narrow screen */
  .tabs {
    display: flex;
    gap: 4px;
    padding: 8px 12px;
    border-bottom: 1px solid var(--palaver-border);
    background: var(--palaver-surface);
  }
  .tabs [role='tab'] {
    flex: 1;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 6px;
    min-height: 38px;
    border: 0;
    border-radius: 10px;
    background: transparent;
    color: var(--palaver-muted);
    font-weight: 600;
  }
  .tabs [role='tab'][aria-selected='true'] {
    background: var(--palaver-bg);
    color: var(--palaver-fg);
    box-shadow: 0 1px 3px rgb(0 0 0 / 0.12);
  }

  /* the chat list */
  .sidebar {
    display: flex;
    flex-direction: column;
    min-height: 0;
    border-inline-end: 1px solid var(--palaver-border);
    background: var(--palaver-surface);
  }
  .narrow .sidebar {
    border: 0;
  }
  .side-head {
    display: flex;
    align-items: center;
    gap: 6px;
    padding: 16px 14px 10px 18px;
  }
  h1 {
    flex: 1;
    margin: 0;
    font-size: 1.4em;
    font-weight: 750;
    letter-spacing: -0.01em;
  }
  .new-chat {
    width: 38px;
    height: 38px;
    background: var(--palaver-accent);
    color: var(--palaver-accent-fg);
  }
  .new-chat:hover:not(:disabled) {
    background: var(--palaver-accent);
    color: var(--palaver-accent-fg);
    filter: brightness(1.1);
  }
  .bell[aria-pressed='true'] {
    background: var(--palaver-accent-soft);
    color: var(--palaver-accent);
  }
  .search {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 0 14px 10px;
    padding: 0 12px;
    border: 1px solid var(--palaver-border);
    border-radius: 12px;
    background: var(--palaver-bg);
    color: var(--palaver-muted);
  }
  .search:focus-within {
    border-color: var(--palaver-accent);
    box-shadow: 0 0 0 3px color-mix(in srgb, var(--palaver-accent) 22%, transparent);
  }
  .search svg {
    flex: none;
    width: 18px;
    height: 18px;
  }
  .search input {
    flex: 1;
    min-width: 0;
    height: 40px;
    border: 0;
    background: transparent;
    color: var(--palaver-fg);
    font: inherit;
  }
  .search input:focus {
    outline: none;
  }
  .search input::placeholder {
    color: var(--palaver-muted);
    opacity: 1;
  }
  /* The chips wrap rather than scroll: a row cut at the sidebar's edge hid the last one from a mouse. */
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    padding: 0 14px 10px;
  }
  .filters button {
    flex: none;
    min-height: 30px;
    padding: 0 8px;
    border: 1px solid var(--palaver-border);
    border-radius: 999px;
    background: var(--palaver-bg);
    color: var(--palaver-muted);
    font-size: 0.82em;
    font-weight: 600;
  }
  .filters button[aria-pressed='true'] {
    border-color: transparent;
    background: var(--palaver-fg);
    color: var(--palaver-bg);
  }
  .scroll {
    flex: 1;
    min-height: 0;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: 2px 8px 12px;
  }
  .section {
    margin: 12px 10px 6px;
    color: var(--palaver-muted);
    font-size: 0.78em;
    font-weight: 700;
    letter-spacing: 0.05em;
    text-transform: uppercase;
  }
  .chats,
  .results {
    display: flex;
    flex-direction: column;
    gap: 2px;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .chat,
  .result {
    display: flex;
    align-items: center;
    gap: 12px;
    width: 100%;
    padding: 9px 10px;
    border: 0;
    border-radius: 12px;
    background: transparent;
    color: var(--palaver-fg);
    text-align: start;
    transition: background-color 100ms ease;
  }
  .chat:hover,
  .result:hover {
    background: var(--palaver-surface-2);
  }
  .chat[aria-current='true'] {
    background: var(--palaver-accent-soft);
  }
  .chat:focus-visible,
  .result:focus-visible {
    outline-offset: -2px;
  }
  .chat-main,
  .result {
    flex: 1;
    min-width: 0;
    display: flex;
    flex-direction: column;
    gap: 2px;
  }
  .result {
    align-items: stretch;
  }
  .chat-line {
    display: flex;
    align-items: center;
    gap: 8px;
    min-width: 0;
  }
  .chat-title,
  .chat-preview,
  .snippet {
    /* Each text in its own direction (English in an Arabic page), aligned as the page is. */
    unicode-bidi: plaintext;
    text-align: left;
  }
  [dir='rtl'] :is(.chat-title, .chat-preview, .snippet) {
    text-align: right;
  }
  .chat-title {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-weight: 600;
  }
  .chat-time {
    flex: none;
    color: var(--palaver-muted);
    font-size: 0.78em;
  }
  .chat-preview {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    color: var(--palaver-muted);
    font-size: 0.9em;
  }
  .unread .chat-title {
    font-weight: 750;
  }
  .unread .chat-time {
    color: var(--palaver-accent);
    font-weight: 650;
  }
  .unread .chat-preview {
    color: var(--palaver-fg);
  }
  .draft-label {
    color: var(--palaver-danger);
    font-weight: 600;
  }
  /* The bell right after the title, the time still at the end. */
  .muted .chat-title {
    flex: 0 1 auto;
  }
  .mute-mark {
    flex: none;
    display: inline-grid;
    margin-inline: -4px auto;
    color: var(--palaver-muted);
  }
  .mute-mark svg {
    width: 15px;
    height: 15px;
  }
  /* A muted chat asks for no attention: its unread count and time are grey, not the accent. */
  .unread.muted .chat-time {
    color: var(--palaver-muted);
    font-weight: normal;
  }
  .badge {
    flex: none;
    min-width: 21px;
    height: 21px;
    padding: 0 7px;
    border-radius: 11px;
    background: var(--palaver-accent);
    color: var(--palaver-accent-fg);
    font-size: 0.75em;
    font-weight: 700;
    line-height: 21px;
    text-align: center;
  }
  .badge.muted {
    background: var(--palaver-muted);
    color: var(--palaver-bg);
  }
  .badge.mention {
    padding: 0;
    font-size: 0.85em;
  }
  .badge.dot {
    min-width: 12px;
    height: 12px;
    padding: 0;
    margin-inline: 4px;
  }
  .snippet {
    display: -webkit-box;
    -webkit-line-clamp: 2;
    -webkit-box-orient: vertical;
    overflow: hidden;
    color: var(--palaver-muted);
    font-size: 0.9em;
  }
  .snippet .sender {
    color: var(--palaver-fg);
  }
  mark {
    padding: 0 2px;
    border-radius: 4px;
    background: color-mix(in srgb, var(--palaver-accent) 24%, transparent);
    color: var(--palaver-fg);
  }
  .quiet {
    margin: 16px 10px;
    color: var(--palaver-muted);
    font-size: 0.92em;
    text-align: center;
  }
  .more {
    display: flex;
    justify-content: center;
    padding: 8px;
  }

  /* the conversation */
  .main {
    position: relative;
    display: flex;
    flex-direction: column;
    min-width: 0;
    min-height: 0;
    background: var(--palaver-bg);
  }
  palaver-chat-header {
    flex: none;
  }
  palaver-conversation {
    flex: 1;
    min-height: 0;
  }
  .empty {
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 14px;
    height: 100%;
    padding: 24px;
    color: var(--palaver-muted);
    text-align: center;
  }
  .empty .art {
    display: grid;
    place-items: center;
    width: 72px;
    height: 72px;
    border-radius: 24px;
    background: var(--palaver-accent-soft);
    color: var(--palaver-accent);
  }
  .empty .art svg {
    width: 34px;
    height: 34px;
  }
  .empty p {
    margin: 0;
    max-width: 28em;
  }
  .toast {
    bottom: calc(var(--palaver-bottom-offset) + 88px);
  }
`
