/** Authoring API (instructor role): course files, course creation, live checks, trying an exercise. */
import { api, call } from '../api/client'
import { ApiError, errorFromBody } from '../api/errors'

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

/**
 * Queues the reference solution and the starter through the real judge (never counted); answers
 * at once with both gradings (`{solution, starter}`, each `{id, state, events_url}`) to follow.
 */
export const tryExercise = (course: string, exercise: string) =>
  call(api.POST('/api/authoring/courses/{course}/exercises/{exercise}/try', { params: { path: { course, exercise } } }))

/** A problem of an imported notebook, at its cell (from 1, in the notebook's order). */
export interface NotebookProblem {
  cell: number | null
  kind: string | null
  line: number | null
  message: string
}

export const notebookProblemText = (p: NotebookProblem) =>
  p.cell === null ? p.message : `cell ${p.cell}${p.kind ? ` (${p.kind})` : ''}${p.line ? `, line ${p.line}` : ''}: ${p.message}`

/** Refused imports keep their problems by cell (the generic ApiError would lose the cell). */
export class NotebookRefused extends ApiError {
  constructor(message: string, status: number, readonly problems: NotebookProblem[]) {
    super(message, status)
  }
}

/** Imports a notebook's text as lessons/<slug>.md; a refusal names the cells (nothing written). */
export async function importNotebook(
  course: string,
  body: { notebook: string; format: 'ipynb' | 'py'; slug: string; replace: boolean },
) {
  const { data, error, response } = await api.POST('/api/authoring/courses/{course}/lessons/import', { params: { path: { course } }, body })
  if (response.ok && data) return data
  const refused = error as { detail?: unknown; problems?: unknown } | undefined
  if (refused && Array.isArray(refused.problems) && typeof refused.detail === 'string') {
    throw new NotebookRefused(refused.detail, response.status, refused.problems as NotebookProblem[])
  }
  throw errorFromBody(response.status, error)
}
