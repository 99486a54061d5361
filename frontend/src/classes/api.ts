/** Classes API: my classes, create and join, a class's members, assignments, gradebook,
 * deadlines for the exercise page, similarity reports. */
import { api, call } from '../api/client'
import type { components } from '../api/schema'

type S = components['schemas']
export type ClassSummary = S['ClassSummary']
export type ClassDetail = S['ClassDetail']
export type ClassGradebook = S['ClassGradebook']
export type Deadline = S['Deadline']
export type SimilarityReport = S['SimilarityReport']
export type AssignmentCreate = S['AssignmentCreate']

export const myClasses = () => call(api.GET('/api/classes'))
export const createClass = (body: S['ClassCreate']) => call(api.POST('/api/classes', { body }))
export const joinClass = (code: string) => call(api.POST('/api/classes/join', { body: { code } }))
export const getClass = (id: number) =>
  call(api.GET('/api/classes/{class_id}', { params: { path: { class_id: id } } }))
export const addMember = (id: number, email: string, role: 'instructor' | 'ta' | 'learner') =>
  call(api.POST('/api/classes/{class_id}/members', { params: { path: { class_id: id } }, body: { email, role } }))
export const createAssignment = (id: number, body: AssignmentCreate) =>
  call(api.POST('/api/classes/{class_id}/assignments', { params: { path: { class_id: id } }, body }))
export const getGradebook = (id: number) =>
  call(api.GET('/api/classes/{class_id}/gradebook', { params: { path: { class_id: id } } }))
export const getDeadlines = (course: string, exercise: string) =>
  call(api.GET('/api/deadlines', { params: { query: { course, exercise } } }))
export const getSimilarity = (id: number, course: string, exercise: string) =>
  call(api.GET('/api/classes/{class_id}/similarity', { params: { path: { class_id: id }, query: { course, exercise } } }))

export const gradebookCsv = (id: number) => `/api/classes/${id}/gradebook.csv`
export const gradebookLms = (id: number) => `/api/classes/${id}/gradebook-lms.csv`
export const similarityCsv = (id: number, course: string, exercise: string) =>
  `/api/classes/${id}/similarity.csv?course=${encodeURIComponent(course)}&exercise=${encodeURIComponent(exercise)}`
export const joinLink = (code: string) => `${location.origin}/classes/join/${code}`

/** "2 days 3 hours", "45 minutes": what is left (or how late), for a beginner. */
export function timeLeft(seconds: number): string {
  const s = Math.abs(seconds)
  const days = Math.floor(s / 86400)
  const hours = Math.floor((s % 86400) / 3600)
  const minutes = Math.max(1, Math.floor((s % 3600) / 60))
  if (days) return `${days} day${days > 1 ? 's' : ''}${hours ? ` ${hours} hour${hours > 1 ? 's' : ''}` : ''}`
  if (hours) return `${hours} hour${hours > 1 ? 's' : ''}${minutes ? ` ${minutes} min` : ''}`
  return `${minutes} minute${minutes > 1 ? 's' : ''}`
}

/** A UTC time from the API, in the reader's own time zone, with the zone named. */
export function local(iso: string): string {
  // dateStyle/timeStyle cannot be combined with timeZoneName: the fields are spelled out.
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  })
}
