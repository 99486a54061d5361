/** Exercises API: the exercise itself (statement, starter, hints, pass bar). */
import { api, call } from '../api/client'
export type { Exercise, SnakeGame } from '../api/types'

export const getExercise = (course: string, exercise: string) =>
  call(api.GET('/api/courses/{course}/exercises/{exercise}', { params: { path: { course, exercise } } }))
