/**
 * The typed API client: openapi-fetch over the schema generated from the back end's OpenAPI
 * document (src/api/schema.d.ts), with the CSRF header on every state-changing request.
 */
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'
import { errorFromBody } from './errors'

export const CSRF_COOKIE = 'feynlab_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return decodeURIComponent(v.join('='))
  }
  return null
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method.toUpperCase())) {
      const token = readCookie(CSRF_COOKIE)
      if (token) request.headers.set(CSRF_HEADER, token)
    }
    return request
  },
}

// An absolute base: the page's own origin (the back end serves the SPA and the API together).
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? '',
  credentials: 'same-origin',
  fetch: (request: Request) => globalThis.fetch(request), // looked up per call (tests replace it)
})
api.use(csrf)

/** Listeners told about a 401 (the session ended): the session store clears the user. */
export const unauthorizedListeners = new Set<() => void>()

/** Unwraps an openapi-fetch result: returns the data or throws an ApiError with a readable message. */
export async function call<T>(
  promise: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await promise
  if (!response.ok) {
    if (response.status === 401) unauthorizedListeners.forEach((fn) => fn())
    throw errorFromBody(response.status, error)
  }
  return data as T
}
