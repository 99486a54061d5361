/** Authoring API (instructor role): course files, course creation, trying an exercise. */
import { api, call } from '../api/client'
import type { components } from '../api/schema'

export type TryResult = components['schemas']['TryResult']

export const createCourse = (body: { slug: string; title: string; summary?: string; level?: string }) =>
  call(api.POST('/api/authoring/courses', { body }))

export const listFiles = (course: string) =>
  call(api.GET('/api/authoring/courses/{course}/files', { params: { path: { course } } }))

// A file path is one path parameter holding slashes (`lessons/intro.md`): keep them, encode each segment.
const fileUrl = (course: string, path: string) =>
  () => `/api/authoring/courses/${encodeURIComponent(course)}/files/${path.split('/').map(encodeURIComponent).join('/')}`

export const readFile = (course: string, path: string) =>
  call(api.GET('/api/authoring/courses/{course}/files/{path}', { params: { path: { course, path } }, pathSerializer: fileUrl(course, path) }))

export const writeFile = (course: string, path: string, content: string) =>
  call(
    api.PUT('/api/authoring/courses/{course}/files/{path}', {
      params: { path: { course, path } },
      body: { content },
      pathSerializer: fileUrl(course, path),
    }),
  )

export const tryExercise = (course: string, exercise: string) =>
  call(api.POST('/api/authoring/courses/{course}/exercises/{exercise}/try', { params: { path: { course, exercise } } }))
