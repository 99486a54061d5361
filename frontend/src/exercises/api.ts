/** Exercises API: the exercise itself (statement, starter, hints, pass bar). */
import { api, call } from '../api/client'
import type { SnakeGame, Verdict } from '../api/types'
export type { Exercise, SnakeGame } from '../api/types'

export const getExercise = (course: string, exercise: string) =>
  call(api.GET('/api/courses/{course}/exercises/{exercise}', { params: { path: { course, exercise } } }))

/** The Snake games a verdict's grader recorded (none when it is not a Snake exercise). */
export function snakeGamesOf(verdict: Verdict | null | undefined): SnakeGame[] {
  const games = verdict?.artifacts?.snake_games
  return Array.isArray(games) ? (games as SnakeGame[]) : []
}
