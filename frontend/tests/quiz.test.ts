/** The quiz card: one retry after a wrong first answer, then the right choices, every choice's
 * `why` and the explanation; the remembered state on reload; anonymous readers asked to sign up. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils'
import QuizCard from '../src/courses/QuizCard.vue'
import { session } from '../src/accounts/session'
import { parseQuiz, quizStage, type Quiz } from '../src/render/quiz'
import type { QuizAnswer } from '../src/api/types'

const LEARNER = { id: 7, email: 'l@example.org', name: 'L', role: 'learner' } as NonNullable<typeof session.user>

function answer(over: Partial<QuizAnswer>): QuizAnswer {
  return {
    correct: false, choices: [], tries: 1, tries_left: 1, revealed: false,
    correct_choices: [], explanation: '', choice_feedback: [], ...over,
  }
}

const REVEALED = answer({
  correct: false, choices: [0], tries: 2, tries_left: 0, revealed: true, correct_choices: [2],
  explanation: 'Use $n(n+1)/2$.',
  choice_feedback: [
    { index: 0, explanation: 'That is $5 \\cdot 10$.' },
    { index: 2, explanation: 'Ten times eleven, halved.' },
  ],
})

function quiz(over: Partial<Quiz> = {}): Quiz {
  return { id: 'sum-ten', question: 'What is $1 + \\dots + 10$?', type: 'single', choices: ['50', '100', '55'], ...over }
}

function respond(body: QuizAnswer) {
  return vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(
    new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } }),
  )
}

function card(q: Quiz) {
  return mount(QuizCard, { props: { quiz: q, course: 'c', lesson: 'l' }, global: { stubs: { RouterLink: RouterLinkStub } }, attachTo: document.body })
}

async function pick(w: ReturnType<typeof card>, i: number) {
  const input = w.find(`#quiz-sum-ten-${i}`)
  ;(input.element as HTMLInputElement).checked = true
  await input.trigger('change')
}

beforeEach(() => {
  session.user = LEARNER
})
afterEach(() => {
  vi.restoreAllMocks()
  session.user = null
  document.body.innerHTML = ''
})

describe('quiz card', () => {
  it('gives one retry after a wrong first answer, then reveals every why', async () => {
    const w = card(quiz())
    await pick(w, 0)
    const first = respond(answer({ choices: [0], tries: 1, tries_left: 1 }))
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(await (first.mock.calls[0][0] as Request).json()).toEqual({ choices: [0] })
    expect(w.find('[data-testid="quiz-result"]').text()).toContain('Not quite, try once more.')
    expect(w.findAll('.choice.right, .choice.wrong')).toHaveLength(0) // nothing given away
    expect(w.findAll('[data-testid="choice-why"]')).toHaveLength(0)
    const button = w.find('button[type=submit]')
    expect(button.text()).toContain('last try')
    expect(button.attributes('disabled')).toBeDefined() // the same wrong answer again
    await pick(w, 1)
    expect(w.find('button[type=submit]').attributes('disabled')).toBeUndefined()

    respond({ ...REVEALED, choices: [1] })
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="quiz-result"]').text()).toContain('The right answer is marked')
    expect(w.find('.choice.right label').text()).toBe('55')
    expect(w.find('.choice.wrong label').text()).toBe('100')
    const whys = w.findAll('[data-testid="choice-why"]')
    expect(whys.map((p) => p.text())).toEqual([expect.stringContaining('5'), 'Ten times eleven, halved.'])
    expect(w.find('[data-testid="choice-0"] .katex').exists()).toBe(true) // $...$ in a why is math
    expect(w.find('[data-testid="quiz-explanation"] .katex').exists()).toBe(true)
    expect(w.find('button[type=submit]').exists()).toBe(false)
    expect(w.find('[data-testid="quiz-signup"]').exists()).toBe(false)
    expect((w.find('fieldset').element as HTMLFieldSetElement).disabled).toBe(true)
    expect(document.activeElement).toBe(w.find('[data-testid="quiz-result"]').element)
  })

  it('says right at once for a right first answer', async () => {
    const w = card(quiz())
    await pick(w, 2)
    respond(answer({ correct: true, choices: [2], revealed: true, tries_left: 0, correct_choices: [2] }))
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="quiz-result"] strong').text()).toBe('Right!')
    expect(w.find('[data-stage]').attributes('data-stage')).toBe('right')
  })

  it('shows the remembered answer on reload, without asking the server', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch')
    const w = card(quiz({ answer: REVEALED }))
    expect((w.find('#quiz-sum-ten-0').element as HTMLInputElement).checked).toBe(true)
    expect(w.find('.choice.right label').text()).toBe('55')
    expect(w.findAll('[data-testid="choice-why"]')).toHaveLength(2)
    expect(w.find('[data-testid="quiz-explanation"]').exists()).toBe(true)
    expect(fetchSpy).not.toHaveBeenCalled()
  })

  it('remembers a pending retry too', () => {
    const w = card(quiz({ answer: answer({ choices: [1] }) }))
    expect(w.find('[data-testid="quiz-result"]').text()).toContain('try once more')
    expect(w.find('button[type=submit]').text()).toContain('last try')
  })

  it('asks an anonymous reader to sign up instead of failing', () => {
    session.user = null
    const w = card(quiz())
    expect(w.find('button[type=submit]').exists()).toBe(false)
    expect(w.find('[data-testid="quiz-signup"]').text()).toContain('Sign up')
    expect((w.find('fieldset').element as HTMLFieldSetElement).disabled).toBe(true)
    expect(w.find('legend .katex').exists()).toBe(true)
  })
})

describe('quiz helpers', () => {
  it('names the stage of an answer', () => {
    expect(quizStage(null)).toBe('unanswered')
    expect(quizStage(answer({}))).toBe('retry')
    expect(quizStage(answer({ revealed: true, correct: true }))).toBe('right')
    expect(quizStage(REVEALED)).toBe('revealed')
  })

  it("reads each choice's why (and the older explanation: on a choice)", () => {
    const q = parseQuiz('id: q\nquestion: Q?\nchoices:\n  - text: a\n    correct: true\n    why: Because.\n  - text: b\n    explanation: Older name.\n  - c\n')
    expect(q.why).toEqual(['Because.', 'Older name.', ''])
  })
})
