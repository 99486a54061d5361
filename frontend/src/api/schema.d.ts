/**
 * TEMPORARY HAND-WRITTEN PLACEHOLDER — replace by running `npm run generate-client`
 * (scripts/generate-client.sh: openapi-typescript on ../var/openapi.json) once the back end
 * exports its schema. It has the shape openapi-typescript produces so nothing else changes.
 */

type Json<T> = { content: { 'application/json': T } }
type ErrorBody = components['schemas']['Error']
type Op<Params, Body, Res, Status extends number = 200> = {
  parameters: Params
  responses: { [S in Status]: Json<Res> } & { default: Json<ErrorBody> }
} & ([Body] extends [never] ? { requestBody?: never } : { requestBody: Json<Body> })
type NoParams = { query?: never; header?: never; path?: never; cookie?: never }
type PathOf<P> = { query?: never; header?: never; path: P; cookie?: never }

export interface paths {
  '/api/auth/signup': { post: Op<NoParams, components['schemas']['SignupIn'], components['schemas']['UserRead'], 201> }
  '/api/auth/login': { post: Op<NoParams, components['schemas']['LoginIn'], components['schemas']['LoginOut']> }
  '/api/auth/logout': { post: Op<NoParams, never, unknown> }
  '/api/me': { get: Op<NoParams, never, components['schemas']['UserRead']> }
  '/api/courses': { get: Op<NoParams, never, components['schemas']['CourseSummary'][]> }
  '/api/courses/{course}': { get: Op<PathOf<{ course: string }>, never, components['schemas']['CourseRead']> }
  '/api/courses/{course}/lessons/{lesson}': {
    get: Op<PathOf<{ course: string; lesson: string }>, never, components['schemas']['LessonRead']>
  }
  '/api/courses/{course}/lessons/{lesson}/quizzes/{quiz}/answers': {
    post: Op<PathOf<{ course: string; lesson: string; quiz: string }>, components['schemas']['QuizAnswerIn'], components['schemas']['QuizAnswerOut']>
  }
  '/api/courses/{course}/exercises/{exercise}': {
    get: Op<PathOf<{ course: string; exercise: string }>, never, components['schemas']['ExerciseRead']>
  }
  '/api/courses/{course}/exercises/{exercise}/submissions': {
    get: Op<PathOf<{ course: string; exercise: string }>, never, components['schemas']['SubmissionRead'][]>
    post: Op<PathOf<{ course: string; exercise: string }>, components['schemas']['SubmissionCreate'], components['schemas']['Accepted'], 202>
  }
  '/api/submissions/{id}': { get: Op<PathOf<{ id: string }>, never, components['schemas']['SubmissionRead']> }
  '/api/runs': { post: Op<NoParams, components['schemas']['RunCreate'], components['schemas']['Accepted'], 202> }
  '/api/authoring/courses': { post: Op<NoParams, components['schemas']['CourseCreate'], components['schemas']['CourseSummary'], 201> }
  '/api/authoring/courses/{course}/files': {
    get: Op<PathOf<{ course: string }>, never, components['schemas']['CourseFileList']>
  }
  '/api/authoring/courses/{course}/files/{path}': {
    get: Op<PathOf<{ course: string; path: string }>, never, components['schemas']['CourseFile']>
    put: Op<PathOf<{ course: string; path: string }>, components['schemas']['CourseFileWrite'], components['schemas']['CourseFileSaved']>
  }
  '/api/authoring/courses/{course}/exercises/{exercise}/try': {
    post: Op<PathOf<{ course: string; exercise: string }>, never, components['schemas']['TryResult']>
  }
  '/api/instructor/gradebook': { get: Op<NoParams, never, components['schemas']['Gradebook']> }
  '/api/instructor/learners/{id}': { get: Op<PathOf<{ id: string }>, never, components['schemas']['LearnerDetail']> }
}

export interface components {
  schemas: {
    Error: { detail: string | { loc?: (string | number)[]; msg?: string; file?: string; line?: number; message?: string }[]; code?: string }
    SignupIn: { email: string; password: string; name: string }
    LoginIn: { email: string; password: string }
    LoginOut: { access_token?: string; token_type?: string; user?: components['schemas']['UserRead'] }
    UserRead: { id: number | string; email: string; name: string; role: 'learner' | 'instructor' | 'admin' }
    Progress: {
      lessons_read?: number; lessons_total?: number; quizzes_answered?: number; quizzes_total?: number
      exercises_passed?: number; exercises_total?: number; percent?: number
    }
    CourseSummary: {
      slug: string; title: string; summary: string; level: string
      lesson_count: number; exercise_count: number; progress?: components['schemas']['Progress'] | number | null
      stale?: boolean
    }
    LessonItem: { slug: string; title: string; summary?: string | null; read?: boolean }
    ExerciseItem: {
      slug: string; title: string; lesson?: string | null
      status?: 'passed' | 'failed' | 'attempted' | 'not-attempted' | string | null; best_score?: number | null
    }
    CourseRead: components['schemas']['CourseSummary'] & {
      lessons: components['schemas']['LessonItem'][]; exercises: components['schemas']['ExerciseItem'][]
    }
    QuizRead: { id: string; question: string; type: 'single' | 'multiple'; choices: string[]; answered?: boolean }
    LessonRead: {
      slug: string; title: string; markdown: string; quizzes: components['schemas']['QuizRead'][]
      cells?: unknown[]; exercises?: components['schemas']['ExerciseItem'][]
      prev?: string | null; next?: string | null
    }
    QuizAnswerIn: { choices: number[] }
    QuizAnswerOut: { correct: boolean; correct_choices: number[]; explanation: string }
    PassBar: { metric: string; at_least: number }
    ExerciseRead: {
      slug: string; title: string; course?: string; lesson?: string | null; statement: string; starter: string
      hints: string[]; pass: components['schemas']['PassBar']; limits?: Record<string, number>
      status?: string | null; best_score?: number | null
    }
    SubmissionCreate: { code: string }
    RunCreate: { code: string; course: string; lesson?: string | null }
    Accepted: { id: string | number }
    Verdict: {
      status: string; score?: number | null; metrics?: Record<string, number>; feedback?: string | null
      output?: string | null; error?: string | null; duration_s?: number | null; seed?: number | null
      resources?: Record<string, number> | null; artifacts?: { snake_games?: components['schemas']['SnakeGame'][] } & Record<string, unknown>
    }
    SnakeGame: { size: number; frames: (number[][] | number[])[]; actions: number[]; won: boolean }
    SubmissionRead: {
      id: string | number; state?: string; status?: string; created_at: string; code?: string
      verdict?: components['schemas']['Verdict'] | null; course?: string; exercise?: string
    }
    CourseCreate: { slug: string; title: string; summary?: string; level?: string }
    CourseFileList: { files: string[] }
    CourseFile: { path: string; content: string }
    CourseFileWrite: { content: string }
    CourseFileSaved: { path?: string; content?: string; errors?: components['schemas']['FormatError'][] }
    FormatError: { file: string; line?: number | null; message: string }
    TryResult: { solution: components['schemas']['Verdict']; starter: components['schemas']['Verdict'] }
    GradebookCell: { status: string; best_score?: number | null; attempts: number; last_activity?: string | null }
    Gradebook: {
      exercises: { course: string; exercise: string; title: string }[]
      learners: {
        id: number | string; name: string; email: string
        cells: Record<string, components['schemas']['GradebookCell']>
      }[]
    }
    LearnerDetail: {
      learner: components['schemas']['UserRead']
      submissions: components['schemas']['SubmissionRead'][]
      progress?: Record<string, components['schemas']['Progress']>
    }
  }
}
