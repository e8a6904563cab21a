/** How much of a request body has gone: `loaded` of `total` bytes. */
export type UploadProgress = (loaded: number, total: number) => void

/**
 * A fetch of a body that says how much of it has gone, for an upload's progress bar. Fetch has no such
 * event in any browser, so this is XMLHttpRequest's `upload.onprogress`, its answer turned back into a
 * Response for the same error handling as every other call. Undefined where XMLHttpRequest is not (Node):
 * the caller fetches instead.
 */
export function progressFetch(
  onProgress: UploadProgress,
): ((url: string, request: RequestInit) => Promise<Response>) | undefined {
  if (typeof XMLHttpRequest === 'undefined') return undefined
  return (url, request) =>
    new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open(request.method ?? 'GET', url)
      xhr.responseType = 'blob'
      // 'include' is what sends cookies to another origin; same-origin requests carry them either way.
      xhr.withCredentials = request.credentials === 'include'
      new Headers(request.headers).forEach((value, name) => {
        xhr.setRequestHeader(name, value)
      })
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded, event.total)
      }
      xhr.onload = () => {
        const headers = new Headers()
        for (const line of xhr
          .getAllResponseHeaders()
          .trim()
          .split(/[\r\n]+/)) {
          const colon = line.indexOf(':')
          if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
        }
        // A status without a body (204, 304) may not be given one.
        const body = xhr.status === 204 || xhr.status === 304 ? null : (xhr.response as Blob)
        resolve(new Response(body, { status: xhr.status, statusText: xhr.statusText, headers }))
      }
      // As fetch rejects: a TypeError for the network, the signal's reason for an abort.
      xhr.onerror = () => reject(new TypeError('Network request failed'))
      xhr.ontimeout = () => reject(new TypeError('Network request timed out'))
      const signal = request.signal
      if (signal) {
        if (signal.aborted) return reject(signal.reason)
        const abort = () => xhr.abort()
        signal.addEventListener('abort', abort, { once: true })
        xhr.onabort = () => reject(signal.reason)
        xhr.onloadend = () => signal.removeEventListener('abort', abort)
      }
      xhr.send(request.body as XMLHttpRequestBodyInit | null)
    })
}
