/** Shared steps of the browser tests: accounts, screenshots, finding content through the API. */
import { expect, type APIRequestContext, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export const SHOTS = join(process.env.FEYNLAB_E2E_OUTPUT ?? join(process.cwd(), 'test-results'), 'screenshots')
mkdirSync(SHOTS, { recursive: true })

/** The demo instructor `make run` creates in development mode (override for other servers). */
export const INSTRUCTOR = {
  email: process.env.FEYNLAB_E2E_INSTRUCTOR_EMAIL ?? 'instructor@feynlab.local',
  password: process.env.FEYNLAB_E2E_INSTRUCTOR_PASSWORD ?? 'instructor-demo-pass',
}

export async function shot(page: Page, name: string, phone = false): Promise<void> {
  // Off-screen Markdown blocks are not laid out (content-visibility: auto) and a full-page
  // screenshot does not scroll: lay everything out for the picture.
  await page.addStyleTag({ content: '.md-block { content-visibility: visible !important; }' })
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
  if (phone) {
    const size = page.viewportSize()
    await page.setViewportSize({ width: 390, height: 844 })
    await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true })
    if (size) await page.setViewportSize(size)
  }
}

export function uniqueEmail(tag: string): string {
  return `e2e-${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`
}

export async function signUp(page: Page, tag = 'learner'): Promise<{ email: string; password: string; name: string }> {
  const account = { email: uniqueEmail(tag), password: 'correct horse battery', name: `E2E ${tag}` }
  await page.goto('/signup')
  await page.getByLabel('Name').fill(account.name)
  await page.getByLabel('Email').fill(account.email)
  await page.getByLabel('Password').fill(account.password)
  await page.getByRole('button', { name: 'Sign up' }).click()
  await expect(page.getByRole('heading', { name: 'Courses' })).toBeVisible()
  await expect(page.getByTestId('user-name')).toHaveText(account.name)
  return account
}

export async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('heading', { name: 'Courses' })).toBeVisible()
}

interface LessonJson {
  slug: string
  markdown: string
  quizzes: { id: string; question: string; choices: string[] }[]
}

/** Walks every lesson of every course (with the page's own cookies) and returns the first that matches. */
export async function findLesson(
  request: APIRequestContext,
  match: (lesson: LessonJson) => boolean,
  preferCourse?: string,
): Promise<{ course: string; lesson: LessonJson }> {
  const courses = (await (await request.get('/api/courses')).json()) as { slug: string }[]
  courses.sort((a, b) => Number(b.slug === preferCourse) - Number(a.slug === preferCourse))
  for (const c of courses) {
    const course = (await (await request.get(`/api/courses/${c.slug}`)).json()) as { lessons: { slug: string }[] }
    for (const l of course.lessons) {
      const lesson = (await (await request.get(`/api/courses/${c.slug}/lessons/${l.slug}`)).json()) as LessonJson
      if (match(lesson)) return { course: c.slug, lesson }
    }
  }
  throw new Error('No lesson matches what this test needs.')
}

/** Python cells of a lesson, in order (the same rule as the renderer: ```python fences, not `norun`). */
export function pythonCells(markdown: string): string[] {
  const cells: string[] = []
  const re = /^```(?:python|py|python3)([^\n]*)\n([\s\S]*?)^```/gm
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) if (!m[1].includes('norun')) cells.push(m[2])
  return cells
}

/** Replaces the whole content of the CodeMirror editor inside `scope` with `code`. */
export async function setEditorCode(page: Page, testId: string, code: string): Promise<void> {
  const content = page.getByTestId(testId).locator('.cm-content')
  await expect(content).toBeVisible()
  await content.click()
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.press('Delete')
  await page.keyboard.insertText(code)
}
