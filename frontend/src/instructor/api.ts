/** Instructor API: the gradebook, one learner's work, the CSV export. */
import { api, call } from '../api/client'
import type { components } from '../api/schema'

export type Gradebook = components['schemas']['Gradebook']
export type LearnerDetail = components['schemas']['LearnerDetail']

export const getGradebook = () => call(api.GET('/api/instructor/gradebook'))

export const getLearner = (id: string) => call(api.GET('/api/instructor/learners/{id}', { params: { path: { id } } }))

export const GRADEBOOK_CSV = '/api/instructor/gradebook.csv'
