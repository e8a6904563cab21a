import { css } from 'lit'

export const conversationStyles = css`
  /* a container: the emoji picker measures itself against the list's width (cqi), not its bubble's */
  :host {
    container-type: inline-size;
    display: flex;
    flex-direction: column;
    min-height: 0;
    height: 100%;
    position: relative;
    background: var(--palaver-bg);
    color: var(--palaver-fg);
  }
  .log {
    display: flex;
    flex-direction: column;
    flex: 1;
    min-height: 0;
    overflow-y: auto;
    overflow-anchor: none;
    overscroll-behavior: contain;
    padding: 12px 12px 4px;
    scroll-padding-block: 40px;
  }
  /* while someone types, the end of the list scrolls clear of the line that says so (it lies over the list) */
  .log:has(~ .footer > .typing:not(:empty)) {
    padding-bottom: 32px;
  }
  .log > .spacer {
    flex: 1 0 0;
  }
  .log:focus-visible {
    outline-offset: -2px;
  }
  .edge {
    display: flex;
    justify-content: center;
    padding: 10px 0 14px;
    color: var(--palaver-muted);
    font-size: 0.85em;
  }
  .edge.start {
    flex-direction: column;
    align-items: center;
    gap: 6px;
    padding-top: 24px;
    text-align: center;
  }
  .edge.start svg {
    width: 28px;
    height: 28px;
    padding: 8px;
    box-sizing: content-box;
    border-radius: 50%;
    background: var(--palaver-accent-soft);
    color: var(--palaver-accent);
  }
  @media (prefers-reduced-motion: reduce) {
    .message.highlight .bubble {
      animation: none;
    }
    /* the typing dots fade without rising */
    .dots {
      --lift: 0;
    }
  }
  .center {
    margin: auto;
    padding: 24px;
    text-align: center;
    color: var(--palaver-muted);
  }
  /* a separator: its words between rules (the day), or after one (where the new messages begin) */
  .day,
  .unread-line {
    display: flex;
    align-items: center;
    gap: 10px;
    margin: 14px 0 10px;
    color: var(--palaver-muted);
    font-size: 0.78em;
    font-weight: 600;
    letter-spacing: 0.02em;
  }
  .day::before,
  .day::after,
  .unread-line::before {
    content: '';
    flex: 1;
    border-top: 1px solid var(--palaver-border);
  }
  /* where the messages the reader had not read begin (as the chat opened) */
  .unread-line {
    margin: 10px 0 6px;
    color: var(--palaver-danger);
  }
  .unread-line::before {
    border-color: currentColor;
  }

  /* messages */
  .message {
    position: relative;
    display: flex;
    align-items: flex-end;
    gap: 8px;
    margin-top: 2px;
    padding-inline-end: 36px;
  }
  .message.first {
    margin-top: 10px;
  }
  .message.own {
    flex-direction: row-reverse;
    padding-inline: 36px 0;
  }
  .avatar,
  .avatar-space {
    flex: none;
    width: 32px;
    height: 32px;
    border-radius: 50%;
    align-self: flex-start;
  }
  .avatar-space {
    height: 1px;
  }
  .content {
    position: relative;
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    min-width: 0;
    max-width: min(78%, 560px);
  }
  .own .content {
    align-items: flex-end;
  }
  .name {
    margin: 0 12px 3px;
    font-size: 0.8em;
    font-weight: 600;
    color: var(--palaver-muted);
  }
  .bubble {
    position: relative;
    max-width: 100%;
    padding: 7px 12px 6px;
    border-radius: 18px;
    background: var(--palaver-bubble);
    color: var(--palaver-bubble-fg);
    overflow-wrap: anywhere;
  }
  .body {
    white-space: pre-wrap;
  }
  .other.first .bubble {
    border-start-start-radius: 6px;
  }
  .own .bubble {
    background: var(--palaver-bubble-own);
    color: var(--palaver-bubble-own-fg);
  }
  /* the focus colour is near the accent my bubble is filled with: a ring of the text's colour shows on it */
  .own .bubble :focus-visible {
    outline-color: currentColor;
  }
  .own.first .bubble {
    border-start-end-radius: 6px;
  }
  .bubble a {
    color: inherit;
    text-decoration: underline;
    text-underline-offset: 2px;
  }
  .mention {
    padding: 0 2px;
    border-radius: 4px;
    -webkit-box-decoration-break: clone;
    box-decoration-break: clone;
    background: color-mix(in srgb, var(--palaver-accent) 12%, transparent);
    color: color-mix(in srgb, var(--palaver-accent) 70%, var(--palaver-fg));
    font-weight: 600;
  }
  .own .mention {
    background: color-mix(in srgb, var(--palaver-bubble-own-fg) 10%, transparent);
    color: inherit;
  }
  .mention.me {
    background: var(--palaver-accent);
    color: var(--palaver-accent-fg);
  }
  .mentions-me .bubble {
    background: color-mix(in srgb, var(--palaver-accent) 10%, var(--palaver-bubble));
    box-shadow: inset 0 0 0 1px color-mix(in srgb, var(--palaver-accent) 35%, transparent);
  }
  .deleted .bubble {
    background: transparent;
    color: var(--palaver-muted);
    border: 1px dashed var(--palaver-border);
    font-style: italic;
  }
  .meta {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    float: inline-end;
    margin: 6px 0 -2px;
    margin-inline-start: 10px;
    font-size: 0.72em;
    line-height: 1;
    white-space: nowrap;
    color: var(--palaver-muted);
  }
  .own .meta {
    color: color-mix(in srgb, var(--palaver-bubble-own-fg) 88%, transparent);
  }
  .deleted .meta {
    color: var(--palaver-muted);
  }
  .status {
    display: inline-flex;
    align-items: center;
    gap: 3px;
  }
  .status svg {
    width: 15px;
    height: 15px;
  }
  .status-read svg {
    stroke-width: 2.6;
  }
  .own .status-read {
    color: var(--palaver-read);
  }
  /* A waiting message is told by its clock (and, stalled, by the bar under it), not faded: faded, its text
     fell under AA contrast (3.8:1 on the light own bubble). */
  .failed .bubble {
    background: color-mix(in srgb, var(--palaver-danger) 14%, var(--palaver-bg));
    color: var(--palaver-fg);
    border: 1px solid var(--palaver-danger);
  }
  .failed .meta,
  .status-failed {
    color: var(--palaver-danger);
  }
  .failed-bar,
  .confirm {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: flex-end;
    gap: 6px;
    margin-top: 6px;
    font-size: 0.85em;
    color: var(--palaver-fg);
  }
  /* where the question and both buttons do not fit one line (a short message at 375 px), the buttons go together */
  .choices {
    display: flex;
    gap: 6px;
  }
  .message.highlight .bubble {
    animation: flash 2.4s ease-out;
  }
  @keyframes flash {
    0%,
    40% {
      box-shadow: 0 0 0 3px var(--palaver-accent);
    }
    100% {
      box-shadow: 0 0 0 3px transparent;
    }
  }

  /* editing */
  .message.editing .content {
    width: min(78%, 560px);
  }
  .editing .bubble {
    width: 100%;
    background: var(--palaver-bg);
    color: var(--palaver-fg);
    border: 2px solid var(--palaver-accent);
    padding: 6px;
  }

  /*
   * actions: shown on hover, when anything in the message has focus, and on a touch screen once chosen; above the
   * bubble at the row's end (below it at the list's top edge: placeActions), into it only by its top padding; hit as
   * soon as the message is hovered, and for 200 ms after the pointer leaves it, which crosses the row's top edge on
   * its way to them
   */
  .actions {
    position: absolute;
    top: -30px;
    inset-inline-end: 28px;
    display: flex;
    gap: 2px;
    padding: 2px;
    border: 1px solid var(--palaver-border);
    border-radius: 999px;
    background: var(--palaver-bg);
    box-shadow: 0 2px 8px rgb(0 0 0 / 0.12);
    opacity: 0;
    pointer-events: none;
    transition: opacity 100ms ease, pointer-events 0s 200ms allow-discrete;
    z-index: 2;
  }
  [data-below] .actions {
    top: auto;
    bottom: -30px;
  }
  /*
   * with a mouse, where the list has room (360 px: a wide bubble keeps enough of its width): beside the bubble's
   * top, in room of the row's own (into its end padding; a wide bubble narrows for it), so over no text of its own
   * or of another row (above it, it hid the time of the message before); held at the list's top edge down a tall row
   */
  @media (hover: hover) {
    @container (width >= 360px) {
      .actions {
        position: sticky;
        /* a sticky box keeps clear of the list's 12 px padding */
        top: -12px;
        inset-inline-end: auto;
        flex: none;
        align-self: flex-start;
        margin-block-end: -4px;
        margin-inline-end: -36px;
      }
      .own .actions {
        margin-inline: -36px 0;
      }
    }
  }
  .message:hover .actions,
  .message:focus-within .actions,
  .chosen .actions {
    opacity: 1;
    pointer-events: auto;
    transition-delay: 0s;
  }
  .actions .icon-button {
    width: 30px;
    height: 30px;
  }
  /*
   * on a touch screen (no hover, and a tap leaves the focus on what it hit): only the chosen message's (a tap on
   * its bubble), or where the keyboard is; the chosen one has room of its own, over no other message
   */
  @media (hover: none) {
    .message:not(.chosen, :has(:focus-visible)) .actions {
      opacity: 0;
      pointer-events: none;
    }
    .chosen:not([data-below]) {
      margin-top: 32px;
    }
    .chosen[data-below] {
      margin-bottom: 30px;
    }
  }

  /* reactions */
  /* who reacted shows over the row of reactions, from its start (mine: its end), so within the list */
  .reactions {
    position: relative;
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    margin-top: 4px;
  }
  .reaction {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    min-height: 26px;
    padding: 1px 8px;
    border: 1px solid var(--palaver-border);
    border-radius: 999px;
    background: var(--palaver-bg);
    font-size: 0.85em;
    line-height: 1.2;
  }
  .reaction:hover:not(:disabled) {
    border-color: var(--palaver-accent);
  }
  .reaction.mine {
    border-color: var(--palaver-accent);
    background: var(--palaver-accent-soft);
  }
  .reaction:disabled {
    opacity: 1;
  }
  .reaction .count {
    font-weight: 600;
    font-variant-numeric: tabular-nums;
  }
  .tooltip {
    position: absolute;
    inset-block-end: calc(100% + 6px);
    inset-inline-start: 0;
    width: max-content;
    max-width: 220px;
    padding: 5px 9px;
    border-radius: 8px;
    background: var(--palaver-fg);
    color: var(--palaver-bg);
    font-size: 0.78em;
    line-height: 1.3;
    white-space: normal;
    opacity: 0;
    visibility: hidden;
    pointer-events: none;
    transition: opacity 100ms ease;
    z-index: 3;
  }
  .own .tooltip {
    inset-inline-start: auto;
    inset-inline-end: 0;
  }
  .reaction-wrap:hover .tooltip,
  .reaction:focus-visible + .tooltip {
    opacity: 1;
    visibility: visible;
  }
  /*
   * one row: past a narrow bubble, within the list (its 12 px padding each side, and the avatar of the other's, off); the
   * emoji narrow to 28 px first. It does not widen the bubble's column (its far margin takes its width back), which
   * would move the toolbar beside it and narrow the bubble.
   */
  .picker {
    display: flex;
    width: max-content;
    max-width: calc(100cqi - 24px);
    gap: 2px;
    margin-top: 6px;
    margin-inline-end: -100cqi;
    padding: 4px;
    border: 1px solid var(--palaver-border);
    border-radius: 999px;
    background: var(--palaver-bg);
    box-shadow: var(--palaver-shadow);
  }
  /* under a toolbar below the row, over the messages after it: the toolbar keeps its place */
  [data-below] .picker {
    position: absolute;
    top: calc(100% + 30px);
    z-index: 2;
  }
  .other .picker {
    max-width: calc(100cqi - 64px);
  }
  .own .picker {
    margin-inline: -100cqi 0;
  }
  .picker-emoji {
    width: 34px;
    min-width: 28px;
    height: 34px;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: transparent;
    font-size: 1.2em;
    line-height: 1;
  }
  .picker-emoji:hover {
    background: var(--palaver-surface-2);
  }

  /* below the list */
  /* over the bottom of the list, so that it takes no room while nobody types */
  .typing {
    position: absolute;
    inset-inline: 0;
    bottom: 100%;
    padding: 4px 20px;
    font-size: 0.8em;
    color: var(--palaver-muted);
    background: linear-gradient(to top, var(--palaver-bg) 60%, transparent);
    pointer-events: none;
  }
  .typing:empty {
    padding: 0;
  }
  .dots {
    display: inline-flex;
    gap: 3px;
    margin-inline-end: 6px;
    vertical-align: middle;
  }
  .dots span {
    width: 5px;
    height: 5px;
    border-radius: 50%;
    background: currentColor;
    animation: bounce 1.2s infinite ease-in-out;
  }
  .dots span:nth-child(2) {
    animation-delay: 0.15s;
  }
  .dots span:nth-child(3) {
    animation-delay: 0.3s;
  }
  @keyframes bounce {
    0%,
    60%,
    100% {
      opacity: 0.35;
      translate: 0;
    }
    30% {
      opacity: 1;
      translate: 0 var(--lift, -2px);
    }
  }
  .jump {
    position: absolute;
    inset-inline-end: 16px;
    bottom: 92px;
    display: inline-flex;
    align-items: center;
    gap: 6px;
    min-height: 36px;
    padding: 0 12px;
    border: 1px solid var(--palaver-border);
    border-radius: 999px;
    background: var(--palaver-bg);
    color: var(--palaver-fg);
    box-shadow: var(--palaver-shadow);
    font-size: 0.85em;
    z-index: 4;
  }
  .jump svg {
    width: 16px;
    height: 16px;
  }
  .footer {
    position: relative;
    border-top: 1px solid var(--palaver-border);
    background: var(--palaver-bg);
  }
  .notice {
    margin: 8px 12px 0;
    padding: 6px 10px;
    border-radius: var(--palaver-radius-small);
    background: var(--palaver-surface);
    color: var(--palaver-muted);
    font-size: 0.82em;
  }
  .error {
    color: var(--palaver-danger);
  }
`
