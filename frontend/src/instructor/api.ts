/** Instructor API: the gradebook, one learner's work, the CSV export. */
import { api, call } from '../api/client'
import type { GradebookRow } from '../api/types'

export const getGradebook = () => call(api.GET('/api/instructor/gradebook'))

export const getLearner = (id: number) =>
  call(api.GET('/api/instructor/learners/{learner_id}', { params: { path: { learner_id: id } } }))

export const GRADEBOOK_CSV = '/api/instructor/gradebook.csv'

export interface GradebookTable {
  exercises: { course: string; exercise: string; key: string }[]
  learners: { id: number; name: string; email: string; cells: Map<string, GradebookRow> }[]
}

/** The API sends one row per learner and exercise: pivot to learners by exercises. */
export function pivot(rows: GradebookRow[]): GradebookTable {
  const exercises = new Map<string, { course: string; exercise: string; key: string }>()
  const learners = new Map<number, GradebookTable['learners'][number]>()
  for (const row of rows) {
    const key = `${row.course}/${row.exercise}`
    if (!exercises.has(key)) exercises.set(key, { course: row.course, exercise: row.exercise, key })
    let learner = learners.get(row.learner.id)
    if (!learner) {
      learner = { ...row.learner, cells: new Map() }
      learners.set(row.learner.id, learner)
    }
    learner.cells.set(key, row)
  }
  const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key)
  return {
    exercises: [...exercises.values()].sort(byKey),
    learners: [...learners.values()].sort((a, b) => a.name.localeCompare(b.name)),
  }
}
