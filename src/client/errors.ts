import type { ErrorCode } from '../errors.js'

/** What went wrong, as the server names it, plus what can only happen on the client's side of the wire. */
export type ClientErrorCode =
  | ErrorCode
  /** The request never got an answer: offline, DNS, refused connection, CORS. */
  | 'network'
  /** The caller aborted the request (an AbortSignal fired). */
  | 'aborted'
  /** The server answered 5xx without the contract's error body. */
  | 'internal'
  /** The answer could not be read (not JSON where JSON was promised). */
  | 'bad_response'

const statusOfCode: Partial<Record<ClientErrorCode, number>> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  attachment_gone: 410,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
}

/** Every failure of a client call: `code` and `status` (0 when there was no HTTP answer). */
export class PalaverClientError extends Error {
  override readonly name = 'PalaverClientError'
  readonly code: ClientErrorCode
  readonly status: number
  readonly details: unknown
  /** Seconds the server asked to wait (429, 503), when it said so. */
  readonly retryAfter: number | undefined

  constructor(
    code: ClientErrorCode,
    message: string,
    init: { status?: number; details?: unknown; retryAfter?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause })
    this.code = code
    this.status = init.status ?? statusOfCode[code] ?? 0
    this.details = init.details
    // Over REST the Retry-After header says it; over the WebSocket the error's details do.
    const fromDetails = (init.details as { retryAfterSeconds?: unknown } | null | undefined)
      ?.retryAfterSeconds
    this.retryAfter = init.retryAfter ?? (typeof fromDetails === 'number' ? fromDetails : undefined)
  }

  /**
   * Whether trying the same request again later may succeed: no answer at all, the server
   * overloaded or failing, or rate limited. A refusal (400, 403, 404, 409, 413...) is final.
   */
  get retryable(): boolean {
    if (this.code === 'aborted') return false
    if (this.status === 0 || this.status === 408 || this.status === 429) return true
    return this.status >= 500
  }
}

/** An acknowledgement's error from the WebSocket, as the same typed error a REST call throws. */
export function errorFromBody(body: unknown, status: number | undefined): PalaverClientError | null {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error
  if (!error || typeof error.code !== 'string') return null
  const message = typeof error.message === 'string' ? error.message : error.code
  return new PalaverClientError(error.code as ClientErrorCode, message, {
    ...(status === undefined ? {} : { status }),
    details: error.details,
  })
}
