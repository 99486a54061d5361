/** Authoring API (instructor role): course files, course creation, live checks, trying an exercise. */
import { api, call } from '../api/client'
import { errorFromBody } from '../api/errors'
import { readCookie, CSRF_COOKIE, CSRF_HEADER } from '../api/client'

export const listAuthoringCourses = () => call(api.GET('/api/authoring/courses'))

export const createCourse = (body: { slug: string; title: string; summary: string; level: 'beginner' | 'intermediate' | 'advanced' }) =>
  call(api.POST('/api/authoring/courses', { body }))

export const listFiles = (course: string) =>
  call(api.GET('/api/authoring/courses/{course}/files', { params: { path: { course } } }))

// A file path is one path parameter holding slashes (`lessons/intro.md`): keep them, encode each segment.
const fileUrl = (course: string, path: string) =>
  () => `/api/authoring/courses/${encodeURIComponent(course)}/files/${path.split('/').map(encodeURIComponent).join('/')}`

export const readFile = (course: string, path: string) =>
  call(api.GET('/api/authoring/courses/{course}/files/{path}', { params: { path: { course, path } }, pathSerializer: fileUrl(course, path) }))

/** Saves when the course stays valid; a 422 carries the problems (ApiError.formatErrors). */
export const writeFile = (course: string, path: string, content: string) =>
  call(
    api.PUT('/api/authoring/courses/{course}/files/{path}', {
      params: { path: { course, path } },
      body: { content },
      pathSerializer: fileUrl(course, path),
    }),
  )

/** The problems the file would have with this content, without saving (marks beside the lines). */
export const previewCheck = (course: string, path: string, content: string) =>
  call(api.POST('/api/authoring/preview-check', { body: { path: `${course}/${path}`, content } }))

export interface TryVerdict {
  status: string
  score?: number | null
  duration_s?: number | null
  feedback?: string | null
  output?: string | null
  error?: string | null
}
export interface TryResult {
  solution: TryVerdict
  starter: TryVerdict
}

/**
 * Runs the reference solution and the starter through the judge.
 * NOT IN THE API YET (no such route in the OpenAPI schema): called by hand until the back end adds
 * it; the page says so when the server answers 404/405.
 */
export async function tryExercise(course: string, exercise: string): Promise<TryResult> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  const csrf = readCookie(CSRF_COOKIE)
  if (csrf) headers[CSRF_HEADER] = csrf
  const res = await fetch(`/api/authoring/courses/${encodeURIComponent(course)}/exercises/${encodeURIComponent(exercise)}/try`, {
    method: 'POST',
    credentials: 'same-origin',
    headers,
  })
  const body = await res.json().catch(() => null)
  if (res.status === 404 || res.status === 405) {
    throw errorFromBody(res.status, { detail: 'Trying an exercise from the browser is not available on this server yet. Run `feynlab courses check` instead.' })
  }
  if (!res.ok) throw errorFromBody(res.status, body)
  return body as TryResult
}
