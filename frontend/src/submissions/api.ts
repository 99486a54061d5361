/** Runs and submissions API: start a run or a graded submission, stream its events. */
import { api, call } from '../api/client'
import { openEventStream, type EventStreamHandlers } from '../api/events'
import type { Accepted } from '../api/types'

export const startRun = (body: { code: string; course: string; lesson: string }) => call(api.POST('/api/runs', { body }))

export const submit = (course: string, exercise: string, code: string) =>
  call(
    api.POST('/api/courses/{course}/exercises/{exercise}/submissions', {
      params: { path: { course, exercise } },
      body: { code },
    }),
  )

export const listSubmissions = (course: string, exercise: string) =>
  call(api.GET('/api/courses/{course}/exercises/{exercise}/submissions', { params: { path: { course, exercise } } }))

export const getSubmission = (id: number) =>
  call(api.GET('/api/submissions/{submission_id}', { params: { path: { submission_id: id } } }))

/** Follows the `events_url` the API returned with the run or submission. */
export const events = (accepted: Accepted, h: EventStreamHandlers) => openEventStream(accepted.events_url, h)
