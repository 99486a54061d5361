/** Quiz blocks: ```quiz fences hold YAML (id, question, type, choices, explanation). */
import { load } from 'js-yaml'

/** A quiz as the learner sees it: the right answers are never sent before answering. */
export interface Quiz {
  id: string
  question: string
  type: 'single' | 'multiple'
  choices: string[]
}

/** A quiz as the author wrote it (only the author's preview has it). */
export interface QuizSource extends Quiz {
  correct: number[]
  explanation: string
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
  raw.choices.forEach((c: unknown, i: number) => {
    if (c && typeof c === 'object') {
      const choice = c as Record<string, unknown>
      choices.push(String(choice.text ?? ''))
      if (choice.correct === true) correct.push(i)
    } else {
      choices.push(String(c))
    }
  })
  if (correct.length === 0) throw new Error('the quiz has no right answer')
  return { id, question, type, choices, correct, explanation: String(raw.explanation ?? '') }
}
