import { type ClientErrorCode, errorFromBody, PalaverClientError } from './errors.js'
import { progressFetch, type UploadProgress } from './upload-progress.js'

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>
export type HeadersOption = HeadersInit | (() => HeadersInit | Promise<HeadersInit>)

export interface HttpOptions {
  /** Where Palaver is mounted: `'/messages'` (the default, same origin) or `'https://chat.example/messages'`. */
  baseUrl?: string
  /** Defaults to `globalThis.fetch`, looked up on each call. */
  fetch?: FetchLike
  /** Sent with every request (and the WebSocket upgrade where the constructor accepts headers); a function is called each time. */
  headers?: HeadersOption
  /** Passed to fetch: `'include'` carries cookies to another origin. */
  credentials?: RequestCredentials
}

export type QueryValue = string | number | boolean | readonly (string | number)[] | null | undefined

export interface RequestOptions {
  query?: Record<string, QueryValue>
  body?: unknown
  headers?: HeadersInit
  signal?: AbortSignal
  /** Told how much of the body has gone, where the platform says (browsers; with the default fetch). */
  onUploadProgress?: UploadProgress
}

const codeOfStatus: Record<number, ClientErrorCode> = {
  400: 'invalid_input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  429: 'rate_limited',
  503: 'unavailable',
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error as { name?: unknown } | null)?.name === 'AbortError'
}

/** A failed fetch (no answer) as a typed error. */
export function networkError(error: unknown, signal?: AbortSignal): PalaverClientError {
  if (error instanceof PalaverClientError) return error
  if (isAbort(error, signal))
    return new PalaverClientError('aborted', 'The request was aborted', { cause: error })
  const reason = error instanceof Error ? error.message : String(error)
  return new PalaverClientError('network', `The server could not be reached: ${reason}`, { cause: error })
}

/** A non-2xx answer as a typed error: the contract's `{error: {code, message}}` when it has one. */
export async function errorOfResponse(response: Response): Promise<PalaverClientError> {
  const retryAfterHeader = response.headers.get('retry-after')
  const retryAfter = retryAfterHeader && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : undefined
  let body: unknown = null
  try {
    body = JSON.parse(await response.text())
  } catch {}
  const typed = errorFromBody(body, response.status)
  if (typed) {
    return new PalaverClientError(typed.code, typed.message, {
      status: response.status,
      details: typed.details,
      retryAfter,
    })
  }
  const code = codeOfStatus[response.status] ?? (response.status >= 500 ? 'internal' : 'bad_response')
  return new PalaverClientError(code, `The server answered ${response.status}`, {
    status: response.status,
    retryAfter,
  })
}

/** Bytes to send unchanged (a file), rather than as JSON. */
function isBytes(body: unknown): body is Blob | ArrayBuffer | Uint8Array<ArrayBuffer> {
  return (
    (typeof Blob !== 'undefined' && body instanceof Blob) ||
    body instanceof ArrayBuffer ||
    body instanceof Uint8Array
  )
}

/** The HTTP plumbing every part of the client shares: URLs, headers, credentials, errors. */
export class Http {
  readonly baseUrl: string
  readonly #fetchImpl: FetchLike
  /** The host's own fetch, which progress reporting must not go around. */
  readonly #customFetch: boolean
  readonly #headersOption: HeadersOption | undefined
  readonly #credentials: RequestCredentials | undefined

  constructor(options: HttpOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '/messages').replace(/\/+$/, '')
    this.#fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.#customFetch = options.fetch !== undefined
    this.#headersOption = options.headers
    this.#credentials = options.credentials
  }

  /** `path` under the base URL with a query string; relative when the base URL is. */
  url(path: string, query: Record<string, QueryValue> = {}): string {
    const params = new URLSearchParams()
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue
      params.set(name, Array.isArray(value) ? value.join(',') : String(value))
    }
    const search = params.toString()
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`
  }

  /**
   * An address Palaver handed out, as one this client can load. A default avatar is a path on Palaver's
   * own origin (`/messages/avatars/…`): with an absolute baseUrl it is resolved against it; with a path
   * for baseUrl (Palaver on the page's origin) it loads as it is, and so does an absolute address.
   */
  resolve(address: string): string {
    return /^[a-z][a-z\d+.-]*:/i.test(this.baseUrl) ? new URL(address, this.baseUrl).href : address
  }

  /** An absolute URL (a WebSocket needs one): resolved against the page's location in a browser. */
  absoluteUrl(path: string, query: Record<string, QueryValue> = {}): URL {
    const relative = this.url(path, query)
    const base = (globalThis as { location?: { href: string } }).location?.href
    try {
      return new URL(relative, base)
    } catch {
      throw new PalaverClientError('invalid_input', `baseUrl must be absolute outside a browser: ${relative}`)
    }
  }

  async headers(extra?: HeadersInit): Promise<Headers> {
    const option = this.#headersOption
    const headers = new Headers(typeof option === 'function' ? await option() : option)
    if (extra) {
      new Headers(extra).forEach((value, name) => {
        headers.set(name, value)
      })
    }
    return headers
  }

  /** A raw fetch under the base URL with the client's headers and credentials; network failures become typed errors. */
  async fetch(path: string, init: RequestOptions & { method?: string } = {}): Promise<Response> {
    const headers = await this.headers(init.headers)
    let body: BodyInit | undefined
    if (isBytes(init.body)) {
      // A file goes as it is; its media type is the caller's Content-Type.
      body = init.body
    } else if (init.body !== undefined) {
      headers.set('content-type', 'application/json')
      body = JSON.stringify(init.body)
    }
    const request: RequestInit = { method: init.method ?? 'GET', headers }
    if (body !== undefined) request.body = body
    if (init.signal) request.signal = init.signal
    if (this.#credentials) request.credentials = this.#credentials
    const fetchImpl =
      (init.onUploadProgress && !this.#customFetch && progressFetch(init.onUploadProgress)) || this.#fetchImpl
    try {
      return await fetchImpl(this.url(path, init.query), request)
    } catch (error) {
      throw networkError(error, init.signal)
    }
  }

  /** A JSON call: the parsed answer, `undefined` for 204, a PalaverClientError for anything else. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.fetch(path, { ...options, method })
    if (!response.ok) throw await errorOfResponse(response)
    if (response.status === 204) return undefined as T
    let text: string
    try {
      text = await response.text()
    } catch (error) {
      throw networkError(error, options.signal)
    }
    if (text === '') return undefined as T
    try {
      return JSON.parse(text) as T
    } catch (cause) {
      throw new PalaverClientError('bad_response', 'The answer is not JSON', {
        status: response.status,
        cause,
      })
    }
  }
}
