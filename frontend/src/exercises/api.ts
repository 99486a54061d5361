/** Exercises API: the exercise itself (statement, starter, hints, pass bar). */
import { api, call } from '../api/client'
import type { components } from '../api/schema'

export type Exercise = components['schemas']['ExerciseRead']
export type SnakeGame = components['schemas']['SnakeGame']

export const getExercise = (course: string, exercise: string) =>
  call(api.GET('/api/courses/{course}/exercises/{exercise}', { params: { path: { course, exercise } } }))
