/** Notebooks in and out: an author imports a Jupyter notebook as a lesson (a bad one is refused
 * naming its cell), reads the lesson, downloads it as .ipynb and .py, and imports the download back. */
import { expect, test, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { INSTRUCTOR, logIn, shot } from './helpers'

const QUIZ = [
  'id: e2e-mean-of-three',
  'question: What is the mean of 1, 2 and 6?',
  'choices:',
  '  - text: "3"',
  '    correct: true',
  '    why: $(1 + 2 + 6) / 3 = 3$.',
  '  - text: "2"',
  '    why: That is the median.',
].join('\n')

/** A notebook as Jupyter saves one: sources as lists of lines, an output and a count on the code cell. */
function notebook(quiz: string): string {
  const lines = (text: string) => text.split('\n').map((line, i, all) => (i < all.length - 1 ? line + '\n' : line))
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [
      { cell_type: 'markdown', id: 'a1', metadata: {}, source: lines('# Means and medians\n\nThe mean of $x_1, \\dots, x_n$ is $\\bar x = \\frac{1}{n}\\sum_i x_i$.') },
      {
        cell_type: 'code', id: 'a2', metadata: {}, execution_count: 4,
        source: lines('import numpy as np\nprint("mean", np.mean([1, 2, 6]))'),
        outputs: [{ output_type: 'stream', name: 'stdout', text: ['mean 3.0 FROM-JUPYTER\n'] }],
      },
      { cell_type: 'raw', id: 'a3', metadata: { tags: ['quiz'] }, source: lines(quiz) },
      { cell_type: 'markdown', id: 'a4', metadata: {}, source: ['That is the whole lesson.'] },
    ],
  }, null, 1)
}

async function importFile(page: Page, name: string, text: string, replace = false) {
  await page.getByLabel('Notebook (.ipynb or .py)').setInputFiles({ name, mimeType: 'application/x-ipynb+json', buffer: Buffer.from(text) })
  if (replace) await page.getByLabel('Replace the lesson if it exists').check()
  await page.getByRole('button', { name: 'Import notebook' }).click()
}

test('import a notebook as a lesson, read it, download it as .ipynb and .py, import it back', async ({ page }) => {
  await logIn(page, INSTRUCTOR.email, INSTRUCTOR.password)
  const course = `e2e-notebooks-${Date.now()}`
  await page.goto('/author')
  await page.getByLabel('Slug (the folder name)').fill(course)
  await page.getByLabel('Title').fill('Notebooks (browser test)')
  await page.getByRole('button', { name: 'Create course' }).click()
  await expect(page.getByRole('heading', { name: 'Import a notebook' })).toBeVisible()

  // A quiz without a right answer: refused, the cell named, nothing written.
  await importFile(page, 'means-and-medians.ipynb', notebook(QUIZ.replace('    correct: true\n', '')))
  const refused = page.getByTestId('notebook-refused')
  await expect(refused).toContainText('cell 3 (quiz)')
  await expect(refused).toContainText('has no right answer')
  await expect(page.getByTestId('file-list')).not.toContainText('means-and-medians')
  await shot(page, 'notebook-import-refused')

  await importFile(page, 'means-and-medians.ipynb', notebook(QUIZ))
  await expect(page.getByTestId('notebook-imported')).toContainText('Imported lessons/means-and-medians.md')
  await expect(page.getByTestId('notebook-imported')).toContainText('It is a draft')
  await expect(page.getByTestId('file-list')).toContainText('lessons/means-and-medians.md')

  // Publish it as the docs say: list it in course.yaml (the file editor's save, through the API).
  const csrf = (await page.context().cookies()).find((c) => c.name === 'feynlab_csrf')?.value ?? ''
  const manifest = (await (await page.request.get(`/api/authoring/courses/${course}/files/course.yaml`)).json()) as { content: string }
  const published = await page.request.put(`/api/authoring/courses/${course}/files/course.yaml`, {
    headers: { 'X-CSRF-Token': csrf },
    data: { content: manifest.content.replace('lessons: []', 'lessons:\n- means-and-medians') },
  })
  expect(published.status(), await published.text()).toBe(200)

  // The lesson reads as any other: its text, its code cell (the notebook's output dropped), its quiz.
  await page.goto(`/courses/${course}/lessons/means-and-medians`)
  await expect(page.getByRole('heading', { name: 'Means and medians' })).toBeVisible()
  await expect(page.locator('.katex').first()).toBeVisible()
  await expect(page.locator('.cm-content').filter({ hasText: 'print("mean", np.mean([1, 2, 6]))' })).toBeVisible() // the cell's editor
  await expect(page.getByText('What is the mean of 1, 2 and 6?')).toBeVisible()
  await expect(page.getByText('FROM-JUPYTER')).toHaveCount(0)
  // The lesson page offers the same downloads, under the title.
  const onLesson = page.getByTestId('lesson-downloads')
  const [fromLesson] = await Promise.all([page.waitForEvent('download'), onLesson.getByRole('link', { name: 'Download .ipynb' }).click()])
  expect(fromLesson.suggestedFilename()).toBe(`${course}-means-and-medians.ipynb`)
  expect((JSON.parse(readFileSync(await fromLesson.path(), 'utf8')) as { nbformat: number }).nbformat).toBe(4)
  await shot(page, 'notebook-imported-lesson')

  await page.goto(`/author/${course}`)
  const downloads = page.getByTestId('author-lessons').getByTestId('lesson-downloads')
  const [ipynb] = await Promise.all([page.waitForEvent('download'), downloads.getByRole('link', { name: 'Download .ipynb' }).click()])
  expect(ipynb.suggestedFilename()).toBe(`${course}-means-and-medians.ipynb`)
  const text = readFileSync(await ipynb.path(), 'utf8')
  const exported = JSON.parse(text) as { nbformat: number; metadata: { feynlab: { lesson: string; title: string } }; cells: { cell_type: string; source: string | string[]; metadata: { tags?: string[] }; outputs?: unknown[] }[] }
  expect(exported.nbformat).toBe(4)
  expect(exported.metadata.feynlab).toMatchObject({ lesson: 'means-and-medians', title: 'Means and medians' })
  expect(exported.cells.map((c) => c.cell_type)).toEqual(['markdown', 'code', 'raw', 'markdown'])
  const source = (c: { source: string | string[] }) => (Array.isArray(c.source) ? c.source.join('') : c.source)
  expect(source(exported.cells[1])).toBe('import numpy as np\nprint("mean", np.mean([1, 2, 6]))')
  expect(exported.cells[1].outputs).toEqual([])
  expect(exported.cells[2].metadata.tags).toEqual(['quiz'])
  expect(source(exported.cells[2])).toBe(QUIZ)

  const [py] = await Promise.all([page.waitForEvent('download'), downloads.getByRole('link', { name: 'Download .py' }).click()])
  const script = readFileSync(await py.path(), 'utf8')
  expect(script).toContain('# %%\nimport numpy as np\nprint("mean", np.mean([1, 2, 6]))')
  expect(script).toContain('# %% [raw] tags=["quiz"]\n# id: e2e-mean-of-three')

  // The download imported back replaces the lesson with the same text: published, unchanged.
  const before = (await (await page.request.get(`/api/authoring/courses/${course}/files/lessons/means-and-medians.md`)).json()) as { content: string }
  await importFile(page, `${course}-means-and-medians.ipynb`, text, true)
  await expect(page.getByTestId('notebook-imported')).toContainText('Replaced lessons/means-and-medians.md')
  await expect(page.getByTestId('notebook-imported')).toContainText('It is published.')
  const after = (await (await page.request.get(`/api/authoring/courses/${course}/files/lessons/means-and-medians.md`)).json()) as { content: string }
  expect(after.content).toBe(before.content)
  await shot(page, 'notebook-author-course')
})
