/**
 * Lesson cells as a notebook (issue 14 item 1), against a real `feynlab serve` and its sandbox:
 * edit cells, run three that build on each other in order (the session keeps their variables),
 * reload and see the code and outputs again, restart the session and read what that means,
 * download the session as a notebook.
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, test } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SHOTS, findLesson, pythonCells, setEditorCode, shot, signUp } from './helpers'

const LOAD = "data = [3, 1, 2]\nprint('loaded', len(data))"
const TRAIN = 'model = sorted(data)\nmodel'
const PLOT = "import matplotlib.pyplot as plt\nplt.plot(model)\nplt.show()\nprint('best', model[-1])"

test('three dependent cells, a reload, a restart and the notebook', async ({ page }) => {
  test.setTimeout(300_000)
  await signUp(page, 'cells')
  const { course, lesson } = await findLesson(page.request, (l) => pythonCells(l.markdown).length >= 4, 'supervised-1')
  await page.goto(`/courses/${course}/lessons/${lesson.slug}`)
  const bar = page.getByTestId('session-bar')
  await expect(bar.getByTestId('session-state')).toContainText('not running')
  const cell = (n: number) => page.getByTestId(`cell-${n}`)
  const run = (n: number) => cell(n).getByRole('button', { name: `Run code cell ${n}` })

  // Edit and run three cells in order: each uses what the one before made.
  await setEditorCode(page, 'cell-1', LOAD)
  await expect(cell(1).getByRole('button', { name: /Reset code cell 1/ })).toBeVisible()
  await run(1).click()
  await expect(cell(1).getByTestId('run-output')).toHaveText('loaded 3', { timeout: 120_000 })
  await expect(cell(1).getByTestId('run-result')).toHaveText('Finished')
  await setEditorCode(page, 'cell-2', TRAIN)
  await run(2).click()
  await expect(cell(2).getByTestId('cell-result')).toHaveText('[1, 2, 3]', { timeout: 60_000 })
  await setEditorCode(page, 'cell-3', PLOT)
  await run(3).click()
  await expect(cell(3).getByTestId('run-figure')).toBeVisible({ timeout: 60_000 })
  await expect(cell(3).getByTestId('run-output')).toHaveText('best 3')
  await expect(bar.getByTestId('session-state')).toContainText('running')
  await expect(bar.getByTestId('session-state')).toContainText('3 cells run')
  await cell(3).scrollIntoViewIfNeeded()
  await shot(page, 'cells-three-run')
  // the cells with their outputs, the session bar: no serious accessibility problem (axe-core)
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).exclude('.katex-mathml').exclude('.cm-scroller').analyze()
  const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`)).toEqual([])

  // A cell that takes a while shows what it printed while it runs, and keeps it once after.
  await setEditorCode(page, 'cell-4', "import time\nprint('first half')\ntime.sleep(10)\nprint('second half')")
  await run(4).click()
  await expect(cell(4).getByRole('status')).toContainText('Running')
  await expect(cell(4).getByTestId('cell-live-output')).toHaveText('first half', { timeout: 60_000 })
  await cell(4).screenshot({ path: join(SHOTS, 'cells-running.png') }) // the cell alone: quick, still running
  await expect(cell(4).getByTestId('run-output')).toHaveText('first half\nsecond half', { timeout: 60_000 })
  await expect(cell(4).getByTestId('cell-live-output')).toHaveCount(0)

  // A reload brings back the learner's code and every output.
  await page.reload()
  await expect(cell(1).locator('.cm-content')).toContainText("data = [3, 1, 2]")
  await expect(cell(1).getByTestId('run-output')).toHaveText('loaded 3')
  await expect(cell(2).getByTestId('cell-result')).toHaveText('[1, 2, 3]')
  await expect(cell(3).getByTestId('run-figure')).toBeVisible()
  await expect(cell(3).getByTestId('cell-stale')).toHaveCount(0) // the same session still runs
  await expect(bar.getByTestId('session-state')).toContainText('running')

  // The notebook: the learner's code with its outputs.
  const [download] = await Promise.all([page.waitForEvent('download'), bar.getByTestId('session-download').click()])
  expect(download.suggestedFilename()).toBe(`${course}-${lesson.slug}.ipynb`)
  const notebook = JSON.parse(readFileSync((await download.path())!, 'utf-8'))
  const code = notebook.cells.filter((c: { cell_type: string }) => c.cell_type === 'code')
  expect([code[0].source].flat().join('')).toBe(LOAD)
  expect(JSON.stringify(code[0].outputs)).toContain('loaded 3')
  expect(code[2].outputs.some((o: { data?: Record<string, string> }) => o.data?.['image/png'])).toBe(true)

  // Restart: the page says what happened and what it means; the variables are gone.
  await bar.getByTestId('session-restart').click()
  const ended = bar.getByTestId('session-ended')
  await expect(ended).toContainText('You restarted the session')
  await expect(ended).toContainText('Variables from earlier cells are gone')
  await expect(bar.getByTestId('session-state')).toContainText('not running')
  await expect(cell(1).getByTestId('cell-stale')).toBeVisible()
  await run(2).click()
  // the lesson may mark cell 2 `requires=previous` (refused at once), else Python says it
  const refused = cell(2).getByTestId('cell-message').or(cell(2).getByTestId('cell-error'))
  await expect(refused).toContainText(/NameError: name 'data' is not defined|Run cell 1 first/, { timeout: 120_000 })
  await page.getByTestId('session-bar').scrollIntoViewIfNeeded()
  await shot(page, 'cells-restarted')

  // Reset brings the lesson's own code back.
  await cell(1).getByRole('button', { name: /Reset code cell 1/ }).click()
  const first = pythonCells(lesson.markdown)[0].trim().split('\n')[0].trim()
  await expect(cell(1).locator('.cm-content')).toContainText(first)
  await expect(cell(1).getByRole('button', { name: /Reset code cell 1/ })).toHaveCount(0)
})
