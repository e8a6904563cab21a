// Light/dark switch: follows the system until the visitor chooses, then remembers the choice.
// Loaded in <head> without defer, so the theme is set before the first paint.
;(() => {
  const key = 'palaver-demo-theme'
  const root = document.documentElement
  const system = window.matchMedia('(prefers-color-scheme: dark)')
  const stored = () => {
    try {
      const value = localStorage.getItem(key)
      return value === 'light' || value === 'dark' ? value : null
    } catch {
      return null
    }
  }
  let chosen = stored()
  const current = () => chosen ?? (system.matches ? 'dark' : 'light')
  const sync = () => {
    const theme = current()
    root.dataset.theme = theme
    for (const button of document.querySelectorAll('[data-theme-toggle]')) {
      button.setAttribute('aria-pressed', String(theme === 'dark'))
    }
  }
  sync()
  system.addEventListener('change', sync)
  window.addEventListener('storage', (event) => {
    if (event.key !== key) return
    chosen = stored()
    sync()
  })
  document.addEventListener('DOMContentLoaded', () => {
    sync()
    for (const button of document.querySelectorAll('[data-theme-toggle]')) {
      button.addEventListener('click', () => {
        chosen = current() === 'dark' ? 'light' : 'dark'
        try {
          localStorage.setItem(key, chosen)
        } catch {
          // Private mode or storage disabled: the choice lasts for this page only.
        }
        sync()
      })
    }
  })
})()
