/** Quiz blocks: ```quiz fences hold YAML (id, question, type, choices with `why`, explanation). */
import { load } from 'js-yaml'
import MarkdownItCtor, { type MarkdownIt } from 'markdown-it'
import { mathPlugin } from './math'
import { sanitize } from './sanitize'
import type { QuizAnswer } from '../api/types'

/** A quiz as the learner sees it: choices in the learner's own order; the right answers and the
 * `why`s are never sent before the quiz is revealed. */
export interface Quiz {
  id: string
  question: string
  type: 'single' | 'multiple'
  choices: string[]
  /** The signed-in learner's answer so far (the lesson API sends it; a reload shows it). */
  answer?: QuizAnswer | null
}

/** A quiz as the author wrote it (only the author's preview has it). */
export interface QuizSource extends Quiz {
  correct: number[]
  explanation: string
  /** Each choice's `why` ('' where the author gave none). */
  why: string[]
}

/** What the quiz card says about an answer, from the server's state of the quiz. */
export type QuizStage = 'unanswered' | 'retry' | 'right' | 'revealed'

export function quizStage(answer: QuizAnswer | null | undefined): QuizStage {
  if (!answer) return 'unanswered'
  if (!answer.revealed) return 'retry'
  return answer.correct ? 'right' : 'revealed'
}

let inline: MarkdownIt | null = null
const inlineCache = new Map<string, string>()

/** A question, choice, `why` or explanation as sanitized HTML: inline Markdown and $math$. */
export function quizTextHtml(text: string): string {
  let html = inlineCache.get(text)
  if (html === undefined) {
    inline ??= new MarkdownItCtor({ html: false, linkify: false, typographer: false }).use(mathPlugin)
    html = sanitize(inline.renderInline(text))
    if (inlineCache.size > 2000) inlineCache.clear()
    inlineCache.set(text, html)
  }
  return html
}

export function parseQuiz(yamlText: string): QuizSource {
  const raw = load(yamlText) as Record<string, unknown> | null
  if (!raw || typeof raw !== 'object') throw new Error('a quiz block must be a YAML mapping')
  const id = String(raw.id ?? '').trim()
  if (!id) throw new Error('the quiz has no id')
  const question = String(raw.question ?? '')
  const type = raw.type === 'multiple' ? 'multiple' : 'single'
  if (raw.type !== undefined && raw.type !== 'single' && raw.type !== 'multiple') {
    throw new Error(`type must be single or multiple, not ${String(raw.type)}`)
  }
  if (!Array.isArray(raw.choices) || raw.choices.length < 2) throw new Error('a quiz needs at least two choices')
  const choices: string[] = []
  const correct: number[] = []
  const why: string[] = []
  raw.choices.forEach((c: unknown, i: number) => {
    if (c && typeof c === 'object') {
      const choice = c as Record<string, unknown>
      choices.push(String(choice.text ?? ''))
      // `explanation:` on a choice is the older name of `why` (docs/authoring.md).
      why.push(String(choice.why ?? choice.explanation ?? ''))
      if (choice.correct === true) correct.push(i)
    } else {
      choices.push(String(c))
      why.push('')
    }
  })
  if (correct.length === 0) throw new Error('the quiz has no right answer')
  return { id, question, type, choices, correct, why, explanation: String(raw.explanation ?? '') }
}
