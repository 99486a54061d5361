/** Authoring API (instructor role): course files, course creation, live checks, trying an exercise. */
import { api, call } from '../api/client'

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
