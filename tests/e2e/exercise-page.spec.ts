/**
 * The exercise page against a real `feynlab serve` and sandbox: Run with a public check failing
 * then passing, what the page says before submitting (bar, rules, limits), the line an error
 * points to, and Keras's default `fit` (its progress bar) submitted and passed.
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { logIn, setEditorCode, shot, signUp } from './helpers'

const SOFTMAX = '/courses/supervised-1/exercises/softmax'

// One learner for the whole file (in order): sign-ups are limited per address and hour.
test.describe.configure({ mode: 'serial' })
let account: { email: string; password: string } | null = null
async function enter(page: Page): Promise<void> {
  if (account) await logIn(page, account.email, account.password)
  else account = await signUp(page, 'exercise-page')
}

/** axe-core: no serious or critical problem (the same rules as a11y.spec.ts). */
async function accessible(page: Page, what: string) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).exclude('.katex-mathml').exclude('.cm-scroller').analyze()
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), what).toEqual([])
}
const RIGHT_SOFTMAX = `import numpy as np


def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
`
// Right on ordinary scores, NaN on large ones: one public check fails, with its case shown.
const NAIVE_SOFTMAX = `import numpy as np


def softmax(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=1, keepdims=True)
`
const RAISES = `import numpy as np


def softmax(z):
    top = z.max(axis=1, keepdims=True)
    return np.exp(z - top) / undefined_total
`
// As Keras tutorials write it: fit with its default progress bar (verbose=1).
const KERAS_DEFAULT_FIT = `import keras


def train_model(x_train, y_train):
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=2, batch_size=128)
    return model
`

test('the page says the bar, the rules and the limits before submitting', async ({ page }) => {
  await enter(page)
  await page.goto(SOFTMAX)
  const facts = page.getByTestId('exercise-facts')
  await expect(facts.getByTestId('pass-bar')).toHaveText('To pass: Pass every hidden test case.')
  await expect(facts.locator('[data-rule="checked"]')).toContainText('without overflow')
  await expect(facts.locator('[data-rule="checked"]')).toContainText('checked by the grader')
  await expect(facts.locator('[data-rule="honour"]')).toContainText('honour rule')
  const limits = facts.getByTestId('exercise-limits')
  await expect(limits).toContainText('10 s per grading')
  await expect(limits).toContainText('1 GB')
  await expect(limits).toContainText(/of 64 KB/)
  await expect(limits).toContainText('Submissions')
  await expect(page.getByTestId('run-button')).toHaveText(/Run public checks/)
  await shot(page, 'exercise-facts', true)
})

test('Run: a public check fails with its case shown, then all pass; Submit stays the grade', async ({ page }) => {
  test.setTimeout(240_000)
  await enter(page)
  await page.goto(SOFTMAX)
  await expect(page.getByTestId('exercise-editor').locator('.cm-content')).toContainText('def softmax')

  await setEditorCode(page, 'exercise-editor', NAIVE_SOFTMAX)
  await page.getByTestId('run-button').click()
  const checks = page.getByTestId('public-checks')
  await expect(checks.getByTestId('public-checks-summary')).toHaveText('2 of 3 public checks pass', { timeout: 120_000 })
  const failed = checks.locator('[data-testid="public-check"][data-passed="false"]')
  await expect(failed).toHaveCount(1)
  await expect(failed).toContainText('large scores (around 1000)')
  const failing = failed.getByTestId('failing-case')
  await expect(failing).toContainText('softmax([[1000, 1001, 1002]])')
  await expect(failing).toContainText('[[0.09003, 0.2447, 0.6652]]') // expected
  await expect(failing).toContainText('nan') // what the naive code gave
  await checks.scrollIntoViewIfNeeded()
  await shot(page, 'exercise-run-check-failing')
  await accessible(page, 'the exercise page with a failing public check')

  await setEditorCode(page, 'exercise-editor', RIGHT_SOFTMAX)
  await page.getByTestId('run-button').click()
  await expect(checks.getByTestId('public-checks-summary')).toHaveText('All 3 public checks pass', { timeout: 120_000 })
  await shot(page, 'exercise-run-checks-passing')
  // Run is not a submission
  await expect(page.getByText('No submissions yet.')).toBeVisible()

  await page.getByTestId('submit-button').click()
  const verdict = page.getByTestId('verdict')
  await expect(verdict).toHaveClass(/passed/, { timeout: 120_000 })
  await expect(page.getByTestId('progress-saved')).toBeVisible()
  await expect(page.locator('.toast')).toHaveCount(0) // nothing covers the verdict
  await expect(page.getByTestId('history').locator('tbody tr')).toHaveCount(1)
})

test('an error in the learner code is marked on its line in the editor', async ({ page }) => {
  test.setTimeout(180_000)
  await enter(page)
  await page.goto(SOFTMAX)
  await setEditorCode(page, 'exercise-editor', RAISES)
  await page.getByTestId('run-button').click()
  const checks = page.getByTestId('public-checks')
  await expect(checks).toContainText('Your code raised an error', { timeout: 120_000 })
  await expect(checks).toContainText('line 6')
  await expect(checks.getByTestId('public-checks-error')).toContainText('undefined_total')
  const marked = page.getByTestId('exercise-editor').locator('.cm-lintRange-error')
  await expect(marked).toHaveCount(1)
  await expect(marked).toContainText('undefined_total')
  await shot(page, 'exercise-error-line')
})

test("Keras's default fit: its progress bar is drawn, the grading shows epochs, and it passes", async ({ page }) => {
  test.setTimeout(400_000)
  await enter(page)
  await page.goto('/courses/supervised-1/exercises/mnist-classifier')
  await expect(page.getByTestId('exercise-editor').locator('.cm-content')).toContainText('def train_model')
  await setEditorCode(page, 'exercise-editor', KERAS_DEFAULT_FIT)
  await page.getByTestId('submit-button').click()
  const status = page.getByTestId('grading-status')
  await expect(status.getByTestId('epoch-progress')).toContainText(/Epoch [12] of 2/, { timeout: 240_000 })
  await expect(status.getByTestId('time-left')).toContainText('left of the 2 min 30 s time limit')
  await status.scrollIntoViewIfNeeded()
  await shot(page, 'exercise-keras-while-grading')
  const verdict = page.getByTestId('verdict')
  await expect(verdict).toHaveClass(/passed/, { timeout: 300_000 })
  const output = page.getByTestId('run-output')
  await expect(output).toContainText('Epoch 2/2')
  await expect(output).toContainText('━━━━')
  await expect(output.locator('.ansi-bold').first()).toBeVisible()
  const text = (await output.textContent()) ?? ''
  expect(text).not.toContain('\u001b')
  expect(text).not.toContain('\r')
  // one redrawn line per epoch, not one line per redraw
  expect((text.match(/\d+\/\d+ ━/g) ?? []).length).toBeLessThanOrEqual(4)
  await expect(page.getByTestId('training-charts')).toBeVisible()
  await expect(page.getByTestId('training-charts').getByTestId('epoch-tick').first()).toBeVisible()
  await shot(page, 'exercise-keras-default-fit', true)
  await accessible(page, 'a passed Keras grading with its console and charts')
})

test('Snake: Run replays the public games; lost games can be listed alone, with the fatal move', async ({ page }) => {
  test.setTimeout(240_000)
  await enter(page)
  await page.goto('/courses/qlearning-snake/exercises/snake-3x3')
  await expect(page.getByTestId('exercise-editor').locator('.cm-content')).toContainText('def train')
  // the training budget the statement gives `train`, before submitting (counted down while grading)
  await expect(page.getByTestId('training-budget')).toContainText('30 s for your code to train')
  await page.getByTestId('run-button').click() // the starter: it never learns, so it loses
  const checks = page.getByTestId('public-checks')
  await expect(checks.getByTestId('public-checks-summary')).toHaveText('1 of 2 public checks pass', { timeout: 180_000 })
  const replay = page.getByTestId('snake-replay')
  await expect(replay).toBeVisible()
  await replay.getByTestId('snake-only-lost').check()
  const options = replay.getByTestId('snake-pick').locator('option')
  expect(await options.count()).toBeGreaterThan(0)
  for (const text of await options.allTextContents()) expect(text).toContain('lost')
  await replay.getByLabel('Speed').selectOption('1')
  await replay.getByTestId('snake-play').click()
  await expect(replay.getByTestId('snake-pause').locator('svg rect')).toHaveCount(2)
  await replay.getByLabel('Speed').selectOption('30')
  await expect(replay.getByTestId('snake-outcome')).toContainText(/lost: (moved \w+ into (the wall|its own body)|went hungry too long)/, { timeout: 30_000 })
  await replay.scrollIntoViewIfNeeded()
  await shot(page, 'exercise-snake-lost-games', true)
  await accessible(page, 'the Snake replay of the public games')
})
