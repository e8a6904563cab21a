/** PostgreSQL error classes that mean "the database is not there right now", not "this request is wrong". */
const unavailableSqlStates = /^(08|53|57P)/
const unavailableNodeCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'SQLITE_BUSY',
])
const unavailableMessages =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|database is locked/i

/** Whether an error came from the database being unreachable, overloaded or restarting: worth a 503 and a retry. */
export function isUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (
    typeof code === 'string' &&
    (unavailableNodeCodes.has(code) || (code.length === 5 && unavailableSqlStates.test(code)))
  ) {
    return true
  }
  return typeof message === 'string' && unavailableMessages.test(message)
}
