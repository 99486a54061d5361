/** API errors as messages a person can read. */

export interface FormatError {
  file: string
  line?: number | null
  message: string
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    /** Course-format errors from a 422 of the authoring API. */
    readonly formatErrors: FormatError[] = [],
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Please log in first.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  409: 'That conflicts with something that already exists.',
  413: 'That is too large.',
  429: 'Too many requests: wait a moment and try again.',
  500: 'The server had a problem. Try again in a moment.',
  502: 'The server cannot be reached. Try again in a moment.',
  503: 'The server is busy. Try again in a moment.',
}

/** Turns a FastAPI-style error body (`detail` string or list) into a message and format errors. */
export function errorFromBody(status: number, body: unknown): ApiError {
  const fallback = STATUS_TEXT[status] ?? `Request failed (HTTP ${status}).`
  if (!body || typeof body !== 'object') return new ApiError(fallback, status)
  const b = body as { detail?: unknown; code?: string; errors?: unknown; problems?: unknown }
  // `problems`: course-format errors of the authoring API; `errors`: the fields of a 422.
  const list = Array.isArray(b.problems) ? b.problems : Array.isArray(b.detail) ? b.detail : Array.isArray(b.errors) ? b.errors : null
  if (list) {
    const formatErrors: FormatError[] = []
    const messages: string[] = []
    for (const item of list as Record<string, unknown>[]) {
      if (item && typeof item.file === 'string') {
        const fe = { file: item.file, line: (item.line as number | null) ?? null, message: String(item.message ?? item.msg ?? '') }
        formatErrors.push(fe)
        messages.push(`${fe.file}${fe.line ? `:${fe.line}` : ''}: ${fe.message}`)
      } else if (item && typeof item === 'object') {
        const loc = Array.isArray(item.loc) ? item.loc.filter((x) => x !== 'body').join('.') : String(item.field ?? '')
        messages.push(`${loc ? loc + ': ' : ''}${String(item.msg ?? item.message ?? 'invalid')}`)
      }
    }
    const lead = typeof b.detail === 'string' && b.detail ? b.detail + '\n' : ''
    return new ApiError(lead + messages.join('\n') || fallback, status, b.code, formatErrors)
  }
  if (typeof b.detail === 'string' && b.detail) return new ApiError(b.detail, status, b.code)
  return new ApiError(fallback, status, b.code)
}

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message
  if (err instanceof TypeError) return 'The server cannot be reached. Check your connection and try again.'
  if (err instanceof Error) return err.message
  return String(err)
}
