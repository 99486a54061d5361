/**
 * Quizzes that teach, against a real `feynlab serve`: choices shuffled per learner, one retry
 * after a wrong first answer, then the right answer, every choice's why and the explanation,
 * all remembered after a reload; answered quizzes count in the course's progress; keyboard only.
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Browser, type Page } from '@playwright/test'
import { shot, signUp } from './helpers'

const COURSE = 'supervised-1'

interface QuizJson {
  id: string
  type: 'single' | 'multiple'
  choices: string[]
}
interface AnswerJson {
  correct: boolean
  revealed: boolean
  correct_choices: number[]
  choice_feedback: { index: number; explanation: string }[]
  explanation: string
}

async function csrf(page: Page): Promise<string> {
  return (await page.context().cookies()).find((c) => c.name === 'feynlab_csrf')?.value ?? ''
}

/** Every quiz of the course as this learner sees it, lesson by lesson. */
async function quizzes(page: Page): Promise<{ lesson: string; quiz: QuizJson }[]> {
  const course = (await (await page.request.get(`/api/courses/${COURSE}`)).json()) as { lessons: { slug: string }[] }
  const found: { lesson: string; quiz: QuizJson }[] = []
  for (const { slug } of course.lessons) {
    const lesson = (await (await page.request.get(`/api/courses/${COURSE}/lessons/${slug}`)).json()) as { quizzes: QuizJson[] }
    for (const quiz of lesson.quizzes) found.push({ lesson: slug, quiz })
  }
  return found
}

async function answer(page: Page, lesson: string, quiz: string, choices: number[]): Promise<AnswerJson> {
  const response = await page.request.post(`/api/courses/${COURSE}/lessons/${lesson}/quizzes/${quiz}/answers`, {
    data: { choices },
    headers: { 'X-CSRF-Token': await csrf(page) },
  })
  expect(response.status(), await response.text()).toBe(200)
  return (await response.json()) as AnswerJson
}

/** A second learner in a browser of their own. */
async function otherLearner(browser: Browser, tag: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  await signUp(page, tag)
  return page
}

/** Plain choice texts are compared as the page shows them (no math, no code marks). */
const plain = (text: string) => !/[$`*_\\]/.test(text)

test('each learner sees the choices in an order of their own, and the page shows it', async ({ page, browser }) => {
  await signUp(page, 'shuffle-a')
  const other = await otherLearner(browser, 'shuffle-b')
  const mine = await quizzes(page)
  const theirs = await quizzes(other)
  expect(mine.length).toBeGreaterThan(3)
  let differ = 0
  mine.forEach(({ quiz }, i) => {
    expect([...theirs[i].quiz.choices].sort()).toEqual([...quiz.choices].sort()) // the same choices
    if (theirs[i].quiz.choices.join('\n') !== quiz.choices.join('\n')) differ++
  })
  expect(differ, 'two learners got the same order in every quiz').toBeGreaterThan(0)
  // The same learner gets the same order on every visit.
  expect((await quizzes(page)).map((q) => q.quiz.choices)).toEqual(mine.map((q) => q.quiz.choices))

  const shown = mine.find(({ quiz }) => quiz.choices.every(plain))!
  await page.goto(`/courses/${COURSE}/lessons/${shown.lesson}`)
  await expect(page.getByTestId(`quiz-${shown.quiz.id}`).locator('.choice label')).toHaveText(shown.quiz.choices)
  await other.goto(`/courses/${COURSE}/lessons/${shown.lesson}`)
  await expect(other.getByTestId(`quiz-${shown.quiz.id}`).locator('.choice label')).toHaveText(
    theirs.find((q) => q.quiz.id === shown.quiz.id)!.quiz.choices,
  )
  await other.context().close()
})

test('a wrong answer gets one retry, then the answer and every why; remembered after a reload', async ({ page, browser }) => {
  test.setTimeout(240_000)
  // A helper learner reveals quizzes through the API to learn the right choice's text (the
  // browser never gets it before answering): the first single-choice quiz with 3+ plain
  // choices and a `why` on its choices.
  const scout = await otherLearner(browser, 'quiz-scout')
  let target: { lesson: string; quiz: QuizJson; right: string; whys: number } | null = null
  for (const { lesson, quiz } of await quizzes(scout)) {
    if (quiz.type !== 'single' || quiz.choices.length < 3 || !quiz.choices.every(plain)) continue
    let state = await answer(scout, lesson, quiz.id, [0])
    if (!state.revealed) state = await answer(scout, lesson, quiz.id, [1])
    expect(state.revealed).toBe(true)
    if (state.choice_feedback.length === 0) continue
    target = { lesson, quiz, right: quiz.choices[state.correct_choices[0]], whys: state.choice_feedback.length }
    break
  }
  await scout.context().close()
  expect(target, 'a single-choice quiz with a why per choice in ' + COURSE).not.toBeNull()
  const { lesson, quiz, right, whys } = target!
  const [wrong1, wrong2] = quiz.choices.filter((c) => c !== right)

  await signUp(page, 'quiz-retry')
  await page.goto(`/courses/${COURSE}`)
  const before = await page.getByTestId('progress-counts').textContent()
  await page.goto(`/courses/${COURSE}/lessons/${lesson}`)
  const card = page.getByTestId(`quiz-${quiz.id}`)
  await card.scrollIntoViewIfNeeded()

  // First try, wrong: told only that it is wrong.
  await card.getByLabel(wrong1, { exact: true }).check()
  await card.getByRole('button', { name: 'Check answer' }).click()
  const result = card.getByTestId('quiz-result')
  await expect(result).toContainText('Not quite, try once more.')
  await expect(card.locator('.choice.right, .choice.wrong')).toHaveCount(0)
  await expect(card.getByTestId('choice-why')).toHaveCount(0)
  await expect(card).not.toContainText('right answer')
  await expect(card.getByRole('button', { name: /Check again/ })).toBeDisabled() // the same answer again
  await shot(page, 'quiz-retry')

  // Second try, wrong again: the right answer is marked and every why is shown.
  await card.getByLabel(wrong2, { exact: true }).check()
  await card.getByRole('button', { name: /Check again/ }).click()
  await expect(result).toContainText('The right answer is marked')
  await expect(card.locator('.choice.right label')).toHaveText(right)
  await expect(card.locator('.choice.wrong label')).toHaveText(wrong2)
  await expect(card.getByTestId('choice-why')).toHaveCount(whys)
  await expect(card.getByLabel(right, { exact: true })).toBeDisabled() // answering changes nothing now
  await expect(card.getByRole('button', { name: /Check/ })).toHaveCount(0)
  await card.scrollIntoViewIfNeeded()
  await shot(page, 'quiz-revealed')

  // Reload: the same state, straight from the lesson API.
  await page.reload()
  await expect(card.getByTestId('quiz-result')).toContainText('The right answer is marked')
  await expect(card.locator('.choice.right label')).toHaveText(right)
  await expect(card.getByLabel(wrong2, { exact: true })).toBeChecked()
  await expect(card.getByTestId('choice-why')).toHaveCount(whys)

  // Progress counts the answered quiz; the lesson is done once all its quizzes are.
  await page.goto(`/courses/${COURSE}`)
  await expect(page.getByTestId('progress-counts')).not.toHaveText(before ?? '')
  await expect(page.getByTestId('progress-counts')).toContainText(/[1-9]\d* of \d+ quizzes answered/)
  const row = page.getByTestId(`lesson-${lesson}`)
  const rest = (await quizzes(page)).filter((q) => q.lesson === lesson && q.quiz.id !== quiz.id)
  if (rest.length > 0) await expect(row).toContainText('a quiz is left to answer')
  for (const q of rest) {
    const first = await answer(page, lesson, q.quiz.id, [0])
    if (!first.revealed) await answer(page, lesson, q.quiz.id, [0])
  }
  await page.reload()
  await expect(row).toContainText('✔ done')
  await shot(page, 'quiz-course-progress')
})

test('a quiz can be answered with the keyboard alone, and the answered lesson stays accessible', async ({ page }) => {
  await signUp(page, 'quiz-keys')
  const { lesson, quiz } = (await quizzes(page)).find((q) => q.quiz.type === 'single' && q.quiz.choices.length >= 3)!
  await page.goto(`/courses/${COURSE}/lessons/${lesson}`)
  const card = page.getByTestId(`quiz-${quiz.id}`)
  await card.getByRole('radio').first().focus()
  await page.keyboard.press('ArrowDown') // moves to and selects the next choice
  await expect(card.getByRole('radio').nth(1)).toBeChecked()
  await page.keyboard.press('Enter') // submits the quiz's form
  const result = card.getByTestId('quiz-result')
  await expect(result).toBeVisible()
  await expect(result).toBeFocused() // the keyboard lands on the verdict
  const text = (await result.textContent()) ?? ''
  if (text.includes('try once more')) {
    await card.getByRole('radio').nth(2).focus()
    await page.keyboard.press('Space')
    await page.keyboard.press('Enter')
    await expect(result).not.toContainText('try once more')
  }
  await expect(card.locator('.choice.right')).not.toHaveCount(0)
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).include(`[data-testid="quiz-${quiz.id}"]`).analyze()
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([])
})
