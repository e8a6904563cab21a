import { initialsAvatar } from '../src/index.js'
import { DEMO_PASSWORD, type DemoUser, findUser, USERS, VIDEOS, type Video } from './data.js'
import { html, SafeHtml } from './html.js'

/** What every page knows: who is looking, and at which path. */
export interface PageContext {
  viewer: DemoUser | null
  /** The request's path and query, for "sign in and come back" links. */
  path: string
}

const loginHref = (next: string) => `/login?next=${encodeURIComponent(next)}`
const avatar = (user: DemoUser, size: number) =>
  html`<img class="avatar" src="${initialsAvatar(user.id, user.name)}" alt="" width="${size}" height="${size}">`

function navLink(ctx: PageContext, href: string, label: string): SafeHtml {
  const path = ctx.path.split('?')[0]!
  const current = path === href ? 'page' : href !== '/' && path.startsWith(href) ? 'true' : null
  return html`<li><a href="${href}"${current ? html` aria-current="${current}"` : ''}>${label}</a></li>`
}

/**
 * The site's frame: navigation with the theme switch and the sign-in state, and the widget bundle.
 * `fill`: the main part takes the rest of the window and there is no footer (the messages page).
 */
export function layout(ctx: PageContext, title: string, main: SafeHtml, fill = false): string {
  const account = ctx.viewer
    ? html`<span class="who">${avatar(ctx.viewer, 24)}<span class="narrow-hidden">${ctx.viewer.name}</span></span>
        <form method="post" action="/logout" class="inline"><button type="submit" class="link-button">Sign out</button></form>`
    : html`<a href="${/^\/log(in|out)\b/.test(ctx.path) ? '/login' : loginHref(ctx.path)}">Sign in</a>`
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Palaver demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/demo.css">
<script src="/assets/theme.js"></script>
<script type="module" src="/messages/static/palaver.js"></script>
</head>
<body${fill && html` class="fill"`}>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <nav aria-label="Main" class="nav">
    <a class="brand" href="/">Palaver <span>demo</span></a>
    <ul class="nav-links">
      ${navLink(ctx, '/', 'Home')}
      ${navLink(ctx, '/people/', 'People')}
      ${navLink(ctx, '/videos/', 'Videos')}
      ${navLink(ctx, '/messages/', 'Messages')}
    </ul>
    <div class="nav-end">
      <button type="button" class="theme-toggle" data-theme-toggle aria-pressed="false" title="Switch between light and dark">
        <span aria-hidden="true" class="theme-icon"></span><span class="narrow-hidden">Dark mode</span>
      </button>
      ${account}
    </div>
  </nav>
</header>
<main id="main" class="page">
${main}
</main>
${!fill && html`<footer class="site-footer"><p>A demo of <a href="/messages/">Palaver</a>, drop-in messaging for Node.js sites.</p></footer>`}
</body>
</html>
`.value
}

/** Shown in place of a widget while it loads, and kept when the widget bundle is missing. */
const widgetFallback = html`<p class="widget-fallback">The chat widget is not available right now. You can still <a href="/messages/">open your messages</a>.</p>`

export function homePage(ctx: PageContext): string {
  const greeting = ctx.viewer
    ? html`<p class="lead">Welcome back, ${ctx.viewer.name}.</p>`
    : html`<p class="lead">A small site that embeds Palaver the way a real one would. <a href="${loginHref('/')}">Sign in</a> as one of the demo people to try it.</p>`
  return layout(
    ctx,
    'Home',
    html`<h1>Palaver demo</h1>
${greeting}
<ul class="cards">
  <li class="card"><h2><a href="/people/">People</a></h2><p>Profiles with a direct-message widget.</p></li>
  <li class="card"><h2><a href="/videos/">Videos</a></h2><p>Each video has its own chat room.</p></li>
  <li class="card"><h2><a href="/messages/">Messages</a></h2><p>All your conversations in one place.</p></li>
</ul>
<section aria-labelledby="try-it">
  <h2 id="try-it">Try it</h2>
  <ol>
    <li>Sign in as <strong>alice</strong> (password <code>${DEMO_PASSWORD}</code>).</li>
    <li>In a private window, sign in as <strong>bob</strong>.</li>
    <li>Open <a href="/people/bob">Bob’s profile</a> as Alice and send him a message; it appears for Bob at once.</li>
    <li>Both open <a href="/videos/">a video</a> and chat in its room.</li>
  </ol>
</section>`,
  )
}

export function loginPage(ctx: PageContext, next: string, error?: { username: string }): string {
  const accounts = USERS.map(
    (user) => html`<li class="account">
      ${avatar(user, 32)}<span><strong>${user.username}</strong> <span class="muted">${user.name}</span></span>
      <form method="post" action="/login" class="inline">
        <input type="hidden" name="username" value="${user.username}">
        <input type="hidden" name="password" value="${DEMO_PASSWORD}">
        <input type="hidden" name="next" value="${next}">
        <button type="submit" class="secondary">Sign in as ${user.username}</button>
      </form>
    </li>`,
  )
  return layout(
    ctx,
    'Sign in',
    html`<h1>Sign in</h1>
<div class="columns">
  <form method="post" action="/login" class="card form">
    ${error && html`<p class="error" role="alert" id="login-error">Wrong username or password.</p>`}
    <input type="hidden" name="next" value="${next}">
    <label for="username">Username</label>
    <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${error?.username ?? ''}"${error ? html` aria-describedby="login-error"` : ''}>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">Sign in</button>
  </form>
  <section class="card" aria-labelledby="demo-accounts">
    <h2 id="demo-accounts">Demo accounts</h2>
    <p>Every account’s password is <code>${DEMO_PASSWORD}</code>.</p>
    <ul class="accounts">${accounts}</ul>
  </section>
</div>`,
  )
}

export function logoutPage(ctx: PageContext): string {
  const body = ctx.viewer
    ? html`<p>You are signed in as <strong>${ctx.viewer.username}</strong>.</p>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`
    : html`<p>You are signed out. <a href="/login">Sign in again</a>.</p>`
  return layout(ctx, 'Sign out', html`<h1>Sign out</h1>${body}`)
}

export function peoplePage(ctx: PageContext): string {
  const items = USERS.map(
    (user) => html`<li class="card person">
      ${avatar(user, 48)}
      <div><h2><a href="/people/${encodeURIComponent(user.username)}">${user.name}</a>${ctx.viewer?.id === user.id && html` <span class="badge">you</span>`}</h2>
      <p class="muted">@${user.username}</p></div>
    </li>`,
  )
  return layout(ctx, 'People', html`<h1>People</h1><ul class="cards">${items}</ul>`)
}

export function profilePage(ctx: PageContext, user: DemoUser): string {
  let message: SafeHtml
  if (!ctx.viewer) {
    message = html`<p><a href="${loginHref(ctx.path)}">Sign in</a> to message ${user.name}.</p>`
  } else if (ctx.viewer.id === user.id) {
    message = html`<p>This is you. Your conversations are on the <a href="/messages/">messages page</a>.</p>`
  } else {
    message = html`<palaver-dm user-id="${user.id}"></palaver-dm>${widgetFallback}`
  }
  const videos = VIDEOS.filter((v) => v.by === user.username)
  return layout(
    ctx,
    user.name,
    html`<div class="profile">
  ${avatar(user, 96)}
  <div>
    <h1>${user.name}</h1>
    <p class="muted">@${user.username} · <a href="mailto:${user.email}">${user.email}</a></p>
    <p>${user.bio}</p>
  </div>
</div>
<section aria-labelledby="message-heading" class="widget">
  <h2 id="message-heading">Message ${user.name}</h2>
  ${message}
</section>
${
  videos.length > 0 &&
  html`<section aria-labelledby="videos-heading"><h2 id="videos-heading">Videos</h2><ul class="cards">${videos.map((v) => videoCard(v, true))}</ul></section>`
}`,
  )
}

const poster = (video: Video) =>
  html`<div class="poster" style="--a: ${video.colors[0]}; --b: ${video.colors[1]}" aria-hidden="true"><span>▶</span><span class="duration">${video.duration}</span></div>`

function videoCard(video: Video, nested = false): SafeHtml {
  const link = html`<a href="/videos/${encodeURIComponent(video.id)}">${video.title}</a>`
  return html`<li class="card video">
    ${poster(video)}
    ${nested ? html`<h3>${link}</h3>` : html`<h2>${link}</h2>`}
    <p class="muted">${video.duration} · by ${findUser(video.by)?.name ?? video.by}</p>
  </li>`
}

export function videosPage(ctx: PageContext): string {
  return layout(ctx, 'Videos', html`<h1>Videos</h1><ul class="cards">${VIDEOS.map((v) => videoCard(v))}</ul>`)
}

export function videoPage(ctx: PageContext, video: Video): string {
  const author = findUser(video.by)
  return layout(
    ctx,
    video.title,
    html`<article class="video-page">
  <div class="player" role="img" aria-label="${`Video: ${video.title} (a placeholder)`}">${poster(video)}</div>
  <h1>${video.title}</h1>
  <p class="muted">${video.duration}${author && html` · by <a href="/people/${encodeURIComponent(author.username)}">${author.name}</a>`}</p>
  <p>${video.description}</p>
</article>
<section aria-labelledby="room-heading" class="widget">
  <h2 id="room-heading">Chat about this video</h2>
  <palaver-room content-type="video" object-id="${video.id}" room-title="${video.title}"></palaver-room>${widgetFallback}
</section>`,
  )
}

/**
 * Palaver's messages page inside the site's frame (its `pageLayout`), so that the navigation and the theme
 * the visitor chose stay. `body` is Palaver's own markup, its attributes escaped by Palaver. Its `head`
 * is left out: the frame already loads the widget bundle, and the same module at a second URL would
 * define the elements twice.
 */
export function messagesPage(ctx: PageContext, body: string): string {
  return layout(ctx, 'Messages', new SafeHtml(body), true)
}

export function notFoundPage(ctx: PageContext): string {
  return layout(
    ctx,
    'Not found',
    html`<h1>Not found</h1><p>There is nothing here. <a href="/">Go home</a>.</p>`,
  )
}

export function errorPage(
  ctx: PageContext,
  heading = 'Something went wrong',
  text = 'Please try again.',
): string {
  return layout(ctx, heading, html`<h1>${heading}</h1><p>${text} <a href="/">Go home</a>.</p>`)
}
