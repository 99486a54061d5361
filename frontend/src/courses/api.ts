/** Courses API: catalog, syllabus, lessons, reading progress and quiz answers. */
import { api, call } from '../api/client'
import { session } from '../accounts/session'

export const listCourses = () => call(api.GET('/api/courses'))

export const getCourse = (course: string) => call(api.GET('/api/courses/{course}', { params: { path: { course } } }))

export const getLesson = (course: string, lesson: string) =>
  call(api.GET('/api/courses/{course}/lessons/{lesson}', { params: { path: { course, lesson } } }))

/** Records that the learner opened the lesson (course progress); an anonymous reader has none. */
export const markRead = (course: string, lesson: string) =>
  session.user
    ? call(api.POST('/api/courses/{course}/lessons/{lesson}/read', { params: { path: { course, lesson } } }))
    : Promise.resolve(null)

export const answerQuiz = (course: string, lesson: string, quiz: string, choices: number[]) =>
  call(
    api.POST('/api/courses/{course}/lessons/{lesson}/quizzes/{quiz}/answers', {
      params: { path: { course, lesson, quiz } },
      body: { choices },
    }),
  )

/** Where a course's figures are served from (lesson images `figures/x.png`). */
export const figureBase = (course: string) => `/api/courses/${encodeURIComponent(course)}/figures`
