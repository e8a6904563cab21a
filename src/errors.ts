/** Every refusal Palaver makes is one of these codes; the HTTP layer maps them to statuses in one place. */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'attachment_gone'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'

export const statusOf: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  attachment_gone: 410,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
}

export class PalaverError extends Error {
  override readonly name = 'PalaverError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }

  get status(): number {
    return statusOf[this.code]
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    }
  }
}

export const notFound = (what: string) => new PalaverError('not_found', `${what} not found`)
export const forbidden = (message: string) => new PalaverError('forbidden', message)
export const invalid = (message: string, details?: unknown) =>
  new PalaverError('invalid_input', message, details)
