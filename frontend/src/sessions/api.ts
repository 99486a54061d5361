/** Lesson sessions API: a learner's live Python session of a lesson, its cells and outputs. */
import { api, call } from '../api/client'
import type { components } from '../api/schema'

type S = components['schemas']
export type LessonSession = S['LessonSessionRead']
export type SessionState = S['SessionState']
export type LessonCell = S['LessonCellRead']
export type CellOutput = S['CellOutput']
export type CellRunResult = S['CellRunRead']
export type RunningCell = S['RunningCellRead']

const path = (course: string, lesson: string) => ({ params: { path: { course, lesson } } })

export const getSession = (course: string, lesson: string) =>
  call(api.GET('/api/courses/{course}/lessons/{lesson}/session', path(course, lesson)))

export const runCell = (course: string, lesson: string, index: number, code: string) =>
  call(
    api.POST('/api/courses/{course}/lessons/{lesson}/cells/{index}/run', {
      params: { path: { course, lesson, index } },
      body: { code },
    }),
  )

/** Keeps an edit without running it; `null` goes back to the lesson's code. */
export const saveCell = (course: string, lesson: string, index: number, code: string | null) =>
  call(
    api.PUT('/api/courses/{course}/lessons/{lesson}/cells/{index}', {
      params: { path: { course, lesson, index } },
      body: { code },
    }),
  )

export const getRunning = (course: string, lesson: string) =>
  call(api.GET('/api/courses/{course}/lessons/{lesson}/session/running', path(course, lesson)))

export const restartSession = (course: string, lesson: string) =>
  call(api.POST('/api/courses/{course}/lessons/{lesson}/session/restart', path(course, lesson)))

export const notebookUrl = (course: string, lesson: string) =>
  `/api/courses/${encodeURIComponent(course)}/lessons/${encodeURIComponent(lesson)}/session.ipynb`
