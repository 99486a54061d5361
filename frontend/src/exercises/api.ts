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

/**
 * One public check as Run reports it (verdict.artifacts.public_checks[i], written by
 * feynlab.grading.public.run_checks; artifacts are free-form in the schema).
 */
export interface PublicCheck {
  name: string
  input: string
  expected: string
  got: string
  passed: boolean
  problem: string | null
}

export function publicChecksOf(verdict: Verdict | null | undefined): PublicCheck[] {
  const checks = verdict?.artifacts?.public_checks
  return Array.isArray(checks) ? (checks as PublicCheck[]) : []
}

export const runPublicChecks = (course: string, exercise: string, code: string) =>
  call(
    api.POST('/api/courses/{course}/exercises/{exercise}/checks', {
      params: { path: { course, exercise } },
      body: { code },
    }),
  )
