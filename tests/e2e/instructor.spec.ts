/** Authors and instructors: live preview that follows the source, trying an exercise, the gradebook and its CSV. */
import { expect, test } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { INSTRUCTOR, findLesson, logIn, shot } from './helpers'

test('edit a lesson as an author and see the preview follow', async ({ page }) => {
  await logIn(page, INSTRUCTOR.email, INSTRUCTOR.password)
  const { course, lesson } = await findLesson(page.request, () => true, 'supervised-1')
  await page.goto(`/author/${course}/files/lessons/${lesson.slug}.md`)
  const preview = page.getByTestId('preview')
  await expect(preview).not.toBeEmpty()
  const formulas = await preview.locator('.katex').count()

  const content = page.getByTestId('source-editor').locator('.cm-content')
  await content.click()
  await page.keyboard.press('ControlOrMeta+End')
  await page.keyboard.insertText('\n\nA brand new paragraph with $\\int_0^1 x\\,dx = \\tfrac12$.\n')
  await expect(preview).toContainText('A brand new paragraph')
  await expect(preview.locator('.katex')).toHaveCount(formulas + 1)

  // A broken quiz is flagged next to its line while typing (no save needed).
  await page.keyboard.insertText('\n```quiz\nid: e2e-broken\nquestion: Which?\nchoices:\n  - text: a\n  - text: b\n```\n')
  await expect(page.getByTestId('format-errors')).toContainText('no right answer')
  await expect(page.locator('.cm-lintRange-error').first()).toBeVisible()
  await shot(page, 'author-preview', true)
  // Leave without saving: the shipped course stays as it was.
  page.once('dialog', (d) => d.accept())
  await page.goto('/author')
})

test('try an exercise as an author: both gradings stream to their verdicts', async ({ page }) => {
  await logIn(page, INSTRUCTOR.email, INSTRUCTOR.password)
  await page.goto('/author/supervised-1/files/exercises/softmax/solution.py')
  await expect(page.getByTestId('source-editor').locator('.cm-content')).toContainText('def ')
  const tryButton = page.getByTestId('try-exercise')
  const answered = page.waitForResponse((r) => r.url().endsWith('/exercises/softmax/try') && r.request().method() === 'POST')
  await tryButton.click()
  // The route answers at once (202); the card then follows both gradings live.
  expect((await answered).status()).toBe(202)
  const card = page.getByTestId('try-result')
  await expect(card).toBeVisible()
  const solution = card.getByTestId('try-solution')
  const starter = card.getByTestId('try-starter')
  await expect(solution).toContainText('passed', { timeout: 120_000 })
  await expect(solution.getByTestId('try-judged')).toHaveText('✔ yes')
  await expect(starter.getByTestId('try-judged')).toHaveText('✔ yes', { timeout: 120_000 })
  await expect(starter).not.toContainText('passed')
  await expect(tryButton).toBeEnabled()
  await card.getByText('Starter code: feedback and output').click()
  await expect(card.getByTestId('try-details-starter').locator('.feedback')).not.toBeEmpty()
  await shot(page, 'author-try')
})

test('see the gradebook, a learner, and export it as CSV', async ({ page }) => {
  await logIn(page, INSTRUCTOR.email, INSTRUCTOR.password)
  await page.goto('/instructor')
  const table = page.getByTestId('gradebook')
  await expect(table.or(page.getByText('No learners.'))).toBeVisible()
  await shot(page, 'gradebook', true)

  const downloadPromise = page.waitForEvent('download')
  await page.getByTestId('export-csv').click()
  const download = await downloadPromise
  const path = await download.path()
  const csv = readFileSync(path, 'utf8')
  expect(csv.split('\n')[0]).toMatch(/,/)
  expect(download.suggestedFilename()).toMatch(/\.csv$/)

  if (await table.isVisible()) {
    await table.locator('tbody th a').first().click()
    await expect(page.getByRole('heading', { level: 2, name: 'Submissions' })).toBeVisible()
    await shot(page, 'learner')
  }
})
