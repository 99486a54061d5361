/** A learner's path: sign up, read, run, answer, submit. Runs against a real `feynlab serve`. */
import { expect, test } from '@playwright/test'
import { findLesson, logIn, pythonCells, setEditorCode, shot, signUp } from './helpers'

const COURSE = 'supervised-1'
const EXERCISE = 'softmax'
const RIGHT_SOFTMAX = [
  'import numpy as np',
  '',
  'def softmax(z):',
  '    z = np.asarray(z, dtype=np.float64)',
  '    z = z - z.max(axis=1, keepdims=True)',
  '    e = np.exp(z)',
  '    return e / e.sum(axis=1, keepdims=True)',
  '',
].join('\n')

test('sign up, log out and log back in', async ({ page }) => {
  const account = await signUp(page, 'signup')
  await expect(page.getByTestId('catalog').getByRole('listitem').first()).toBeVisible()
  await shot(page, 'catalog', true)
  await page.getByRole('button', { name: 'Log out' }).click()
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible()
  await shot(page, 'login')
  await logIn(page, account.email, account.password)
  await page.goto(`/courses/${COURSE}`)
  await expect(page.getByTestId('syllabus')).toBeVisible()
  await shot(page, 'course', true)
})

test('a wrong password is a message, not a blank page', async ({ page }) => {
  await page.goto('/login')
  await page.getByLabel('Email').fill('nobody@example.com')
  await page.getByLabel('Password').fill('wrong password')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('alert')).toBeVisible()
})

test('read a lesson and see its math rendered', async ({ page }) => {
  await signUp(page, 'reader')
  const { course, lesson } = await findLesson(page.request, (l) => /\$[^$\s][^$]*\$/.test(l.markdown), COURSE)
  await page.goto(`/courses/${course}/lessons/${lesson.slug}`)
  const article = page.locator('article.prose')
  await expect(article.locator('.katex').first()).toBeVisible()
  await expect(article.locator('.katex-error')).toHaveCount(0)
  await shot(page, 'lesson', true)
})

test('run a cell and see its output and a figure', async ({ page }) => {
  await signUp(page, 'runner')
  const { course, lesson } = await findLesson(page.request, (l) => pythonCells(l.markdown).some((c) => c.includes('plt.')), COURSE)
  const cells = pythonCells(lesson.markdown)
  await page.goto(`/courses/${course}/lessons/${lesson.slug}`)

  const printing = cells.findIndex((c) => c.includes('print(') && !c.includes('plt.'))
  if (printing >= 0) {
    const cell = page.locator(`[data-cell="${printing}"]`)
    await cell.getByRole('button', { name: /Run code cell/ }).click()
    await expect(cell.getByTestId('run-result')).toHaveText(/Finished/, { timeout: 120_000 })
    await expect(cell.getByTestId('run-output')).not.toBeEmpty()
  }

  const plotting = cells.findIndex((c) => c.includes('plt.'))
  const cell = page.locator(`[data-cell="${plotting}"]`)
  await cell.getByRole('button', { name: /Run code cell/ }).click()
  await expect(cell.getByTestId('run-figure').first()).toBeVisible({ timeout: 120_000 })
  await expect(cell.getByTestId('run-result')).toHaveText(/Finished/, { timeout: 120_000 })
  await cell.scrollIntoViewIfNeeded()
  await shot(page, 'lesson-cell-run')
})

test('answer a quiz and see whether it was right and why', async ({ page }) => {
  await signUp(page, 'quiz')
  const { course, lesson } = await findLesson(page.request, (l) => l.quizzes.length > 0, COURSE)
  const quiz = lesson.quizzes[0]
  await page.goto(`/courses/${course}/lessons/${lesson.slug}`)
  const card = page.getByTestId(`quiz-${quiz.id}`)
  await card.getByRole('radio').or(card.getByRole('checkbox')).first().check()
  await card.getByRole('button', { name: 'Check answer' }).click()
  const result = card.getByTestId('quiz-result')
  // Right, or wrong with one retry left (tests/e2e/quiz.spec.ts follows the retry through).
  await expect(result).toHaveText(/Right!|Not quite, try once more\./)
  await card.scrollIntoViewIfNeeded()
  await shot(page, 'quiz-answered')
})

test('submit a wrong then a right solution: both verdicts, and the progress changes', async ({ page }) => {
  test.setTimeout(300_000)
  await signUp(page, 'submitter')
  await page.goto(`/courses/${COURSE}`)
  const row = page.getByTestId(`exercise-${EXERCISE}`)
  await expect(row).not.toContainText('passed')
  const before = Number(await page.getByRole('progressbar').first().getAttribute('aria-valuenow'))

  await page.goto(`/courses/${COURSE}/exercises/${EXERCISE}`)
  const editor = page.getByTestId('exercise-editor')
  await expect(editor.locator('.cm-content')).toContainText('def softmax')
  await shot(page, 'exercise', true)

  // The starter code runs but fails.
  await page.getByTestId('submit-button').click()
  const verdict = page.getByTestId('verdict')
  await expect(verdict).toHaveClass(/failed|error/, { timeout: 120_000 })
  await expect(verdict.locator('.verdict-title')).not.toHaveText('Passed')
  await shot(page, 'verdict-failed')

  await setEditorCode(page, 'exercise-editor', RIGHT_SOFTMAX)
  await page.getByTestId('submit-button').click()
  await expect(verdict).toHaveClass(/passed/, { timeout: 120_000 })
  await expect(verdict.locator('.verdict-title')).toHaveText('Passed')
  await expect(page.getByTestId('history').locator('tbody tr')).toHaveCount(2)
  await shot(page, 'verdict-passed')

  // The draft survives a reload.
  await page.reload()
  await expect(page.getByTestId('exercise-editor').locator('.cm-content')).toContainText('keepdims=True')

  await page.goto(`/courses/${COURSE}`)
  await expect(page.getByTestId(`exercise-${EXERCISE}`)).toContainText('passed')
  const after = Number(await page.getByRole('progressbar').first().getAttribute('aria-valuenow'))
  expect(after).toBeGreaterThan(before)
  await shot(page, 'course-progress')
})
