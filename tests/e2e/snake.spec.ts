/** The Snake replay of qlearning-snake/snake-3x3: play, pause, step, speed, pick a game. */
import { expect, test } from '@playwright/test'
import { shot, signUp } from './helpers'

test('replay the recorded Snake games of a submission', async ({ page }) => {
  test.setTimeout(300_000)
  await signUp(page, 'snake')
  await page.goto('/courses/qlearning-snake/exercises/snake-3x3')
  await expect(page.getByTestId('exercise-editor').locator('.cm-content')).toContainText('def train')
  // Whatever the starter's verdict, the grader records every evaluation game.
  await page.getByTestId('submit-button').click()
  await expect(page.getByTestId('verdict')).toBeVisible({ timeout: 240_000 })
  const replay = page.getByTestId('snake-replay')
  await expect(replay).toBeVisible()
  const status = replay.getByTestId('snake-status')
  await expect(status).toContainText('step 1 /')
  await replay.getByTestId('snake-step').click()
  await expect(status).toContainText('step 2 /')
  await replay.getByRole('button', { name: 'Step back' }).click()
  await expect(status).toContainText('step 1 /')
  await replay.getByLabel('Speed').selectOption('30')
  await replay.getByTestId('snake-play').click()
  await expect(status).toContainText(/won|lost/, { timeout: 30_000 })
  const options = replay.getByTestId('snake-pick').locator('option')
  expect(await options.count()).toBeGreaterThan(0)
  await expect(options.first()).toHaveText(/won|lost/)
  if ((await options.count()) > 1) {
    await replay.getByTestId('snake-pick').selectOption({ index: 1 })
    await expect(status).toContainText('Game 2 · step 1 /')
  }
  // Keyboard: space plays, arrows step.
  await replay.locator('canvas').focus()
  await page.keyboard.press('ArrowRight')
  await expect(status).toContainText('step 2 /')
  await replay.scrollIntoViewIfNeeded()
  await shot(page, 'snake-replay', true)
})
