/** Short names for the generated schema types the pages use. */
import type { components } from './schema'

type S = components['schemas']
export type UserRead = S['UserRead']
export type CourseSummary = S['CourseSummaryRead']
export type Syllabus = S['SyllabusRead']
export type CourseProgress = S['CourseProgressRead']
export type Lesson = S['LessonRead']
export type QuizRead = S['QuizRead']
export type QuizAnswer = S['QuizAnswerOut']
export type Exercise = S['ExerciseRead']
export type Accepted = S['Accepted']
export type Verdict = S['Verdict']
export type RunResult = S['RunResult']
export type Fault = S['Fault']
export type StaffDetails = S['StaffDetails']
export type Trial = S['TrialOut']
export type Submission = S['SubmissionRead']
export type SubmissionSummary = S['SubmissionSummary']
export type Problem = S['ProblemRead']
export type FileEntry = S['FileEntry']
export type GradebookRow = S['GradebookRow']
export type LearnerPage = S['LearnerPage']

/** A recorded Snake game (verdict.artifacts.snake_games[i]); artifacts are free-form in the schema. */
export interface SnakeGame {
  size: number
  frames: (number[][] | number[])[]
  actions: number[]
  won: boolean
  /** won, died (the last action was fatal), truncated (went hungry too long). */
  outcome?: string
}

