/** Runs and submissions API: start a run or a graded submission, stream its events. */
import { api, call } from '../api/client'
import type { components } from '../api/schema'
import { openEventStream, type EventStreamHandlers } from '../api/events'

export type Submission = components['schemas']['SubmissionRead']

export const startRun = (body: { code: string; course: string; lesson?: string | null }) =>
  call(api.POST('/api/runs', { body }))

export const submit = (course: string, exercise: string, code: string) =>
  call(
    api.POST('/api/courses/{course}/exercises/{exercise}/submissions', {
      params: { path: { course, exercise } },
      body: { code },
    }),
  )

export const listSubmissions = (course: string, exercise: string) =>
  call(api.GET('/api/courses/{course}/exercises/{exercise}/submissions', { params: { path: { course, exercise } } }))

export const getSubmission = (id: string | number) =>
  call(api.GET('/api/submissions/{id}', { params: { path: { id: String(id) } } }))

export const runEvents = (id: string | number, h: EventStreamHandlers) =>
  openEventStream(`/api/runs/${encodeURIComponent(String(id))}/events`, h)

export const submissionEvents = (id: string | number, h: EventStreamHandlers) =>
  openEventStream(`/api/submissions/${encodeURIComponent(String(id))}/events`, h)
