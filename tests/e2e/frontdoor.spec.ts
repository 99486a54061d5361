/**
 * The front door, against a real `feynlab serve`: an anonymous visitor sees what Feynlab is and
 * the catalog in courses/catalog.yaml's order, reads a lesson read-only (code shown, "Sign up to
 * run this", quizzes ask for an account), breadcrumbs name titles; and the phone layout (375 px):
 * no page-wide horizontal scroll, the top bar fits, wide display math scrolls with a visible hint.
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SHOTS, findLesson, pythonCells, shot, signUp } from './helpers'

// The specs run from frontend/ (`npm run e2e`, scripts/e2e.sh): the repository is one up.
const REPO = join(process.cwd(), '..')
const PHONE = { width: 375, height: 812 }

/** The slugs listed in courses/catalog.yaml, in order (a plain `order:` list of `- slug`). */
function catalogOrder(): string[] {
  const text = readFileSync(join(REPO, 'courses', 'catalog.yaml'), 'utf8')
  const list = text.split(/^order:\s*$/m)[1] ?? ''
  return [...list.matchAll(/^\s*-\s*([a-z0-9-]+)\s*$/gm)].map((m) => m[1])
}

async function noSeriousA11yProblem(page: Page, what: string) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).exclude('.katex-mathml').exclude('.cm-scroller').analyze()
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), what).toEqual([])
}

/** The page itself never scrolls sideways, and the top bar's items stay inside the screen. */
async function fitsThePhone(page: Page, what: string) {
  const sizes = await page.evaluate(() => {
    const bar = document.querySelector('.topbar') as HTMLElement
    const items = [...bar.querySelectorAll('a, button, span')].map((el) => el.getBoundingClientRect().right)
    return {
      page: document.documentElement.scrollWidth,
      view: window.innerWidth,
      bar: bar.scrollWidth,
      barBox: bar.clientWidth,
      rightmost: Math.max(...items),
    }
  })
  expect(sizes.page, `${what}: the page is wider than the phone`).toBeLessThanOrEqual(sizes.view)
  expect(sizes.bar, `${what}: the top bar overflows`).toBeLessThanOrEqual(sizes.barBox)
  expect(sizes.rightmost, `${what}: a top bar item is off screen`).toBeLessThanOrEqual(sizes.view)
}

test('an anonymous visitor sees what Feynlab is and the catalog in the suggested order', async ({ page }) => {
  const served = (await (await page.request.get('/api/courses')).json()) as { slug: string; title: string }[]
  const order = catalogOrder()
  const slugs = served.map((c) => c.slug)
  expect(slugs[0]).toBe('supervised-1')
  expect(slugs.slice(0, order.filter((s) => slugs.includes(s)).length)).toEqual(order.filter((s) => slugs.includes(s)))

  await page.goto('/')
  const door = page.getByTestId('front-door')
  await expect(door.getByRole('heading', { level: 1 })).toBeVisible()
  await expect(door).toContainText('How grading works')
  await expect(door.getByRole('link', { name: /Sign up/ })).toBeVisible()
  await expect(door.getByRole('link', { name: 'Log in' })).toBeVisible()
  const cards = page.getByTestId('catalog').getByRole('listitem')
  await expect(cards).toHaveCount(served.length)
  await expect(cards.getByRole('link')).toHaveText(served.map((c) => c.title))
  await expect(cards.first()).toContainText('Start here')
  await expect(page.getByRole('progressbar')).toHaveCount(0) // nothing to track without an account
  await noSeriousA11yProblem(page, 'the front door')
  await shot(page, 'frontdoor', true)

  // Signed in, the same page is the plain catalog, with progress.
  await signUp(page, 'frontdoor')
  await expect(page.getByTestId('front-door')).toHaveCount(0)
  await expect(page.getByTestId('catalog').getByRole('listitem').getByRole('link')).toHaveText(served.map((c) => c.title))
  await expect(page.getByRole('progressbar').first()).toBeVisible()
})

test('an anonymous visitor reads a lesson: code shown, running and answering need an account', async ({ page }) => {
  // Asking who is signed in (GET /api/me) is the one call an anonymous page makes that says 401.
  const denied: string[] = []
  page.on('response', (r) => {
    if (r.status() === 401 && !r.url().endsWith('/api/me')) denied.push(`${r.request().method()} ${r.url()}`)
  })
  const { course, lesson } = await findLesson(page.request, (l) => pythonCells(l.markdown).length > 0 && l.quizzes.length > 0, 'supervised-1')
  const syllabus = (await (await page.request.get(`/api/courses/${course}`)).json()) as { title: string; lessons: { slug: string; title: string }[] }
  const title = syllabus.lessons.find((l) => l.slug === lesson.slug)!.title

  await page.goto('/')
  await page.getByTestId('catalog').getByRole('link', { name: syllabus.title }).click()
  await expect(page.getByTestId('syllabus')).toBeVisible()
  await expect(page.getByTestId('breadcrumbs').getByRole('listitem')).toHaveText(['Courses', syllabus.title])
  await expect(page.getByTestId('read-only-note')).toContainText('sign up')
  await page.getByTestId('syllabus').getByRole('link', { name: title, exact: true }).click()

  await expect(page).toHaveURL(new RegExp(`/courses/${course}/lessons/${lesson.slug}$`))
  const crumbs = page.getByTestId('breadcrumbs')
  await expect(crumbs.getByRole('listitem')).toHaveText(['Courses', syllabus.title, title]) // titles, never slugs
  await expect(crumbs.getByRole('link', { name: syllabus.title })).toBeVisible()
  const cell = page.locator('[data-cell="0"]')
  await expect(cell.locator('pre.code')).toContainText(pythonCells(lesson.markdown)[0].trim().split('\n')[0].trim())
  await expect(cell.getByRole('link', { name: /sign up to run this/i })).toBeVisible()
  await expect(page.getByRole('button', { name: /Run code cell/ })).toHaveCount(0)
  const quiz = page.getByTestId(`quiz-${lesson.quizzes[0].id}`)
  await expect(quiz.getByTestId('quiz-signup')).toBeVisible()
  await expect(quiz.getByRole('button', { name: 'Check answer' })).toHaveCount(0)
  await expect(page.locator('.toast.error')).toHaveCount(0)
  expect(denied, 'no call of the read-only lesson needs a login').toEqual([])
  await noSeriousA11yProblem(page, 'a lesson, read anonymously')
  await cell.scrollIntoViewIfNeeded()
  await shot(page, 'frontdoor-lesson', true)

  // The sign-up link brings the visitor to the sign-up form, and signing up back to the lesson,
  // where the cell can now be run; an exercise asks a visitor to log in.
  await cell.getByRole('link', { name: /sign up to run this/i }).click()
  await expect(page.getByRole('heading', { name: 'Create an account' })).toBeVisible()
  await page.getByLabel('Name').fill('E2E back to the lesson')
  await page.getByLabel('Email').fill(`back-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.org`)
  await page.getByLabel('Password').fill('correct horse battery')
  await page.getByRole('button', { name: 'Sign up' }).click()
  await expect(page).toHaveURL(new RegExp(`/courses/${course}/lessons/${lesson.slug}$`))
  await expect(page.locator('[data-cell="0"]').getByRole('button', { name: /Run/ }).first()).toBeVisible()
  await page.getByRole('button', { name: /Log out/i }).click()
  await expect(page.getByTestId('user-name')).toHaveCount(0)
  await page.goto(`/courses/${course}`)
  const exercise = page.locator('[data-testid^="exercise-"] a').first()
  await exercise.click()
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible()
  await expect(page.getByTestId('login-why')).toContainText('Exercises are graded for your account')
})

test('breadcrumbs name the course and the exercise by their titles', async ({ page }) => {
  await signUp(page, 'crumbs')
  await page.goto('/courses/supervised-1/exercises/softmax')
  const crumbs = page.getByTestId('breadcrumbs')
  const course = (await (await page.request.get('/api/courses/supervised-1')).json()) as { title: string }
  const exercise = (await (await page.request.get('/api/courses/supervised-1/exercises/softmax')).json()) as { title: string }
  await expect(crumbs.getByRole('listitem')).toHaveText(['Courses', course.title, exercise.title])
  await expect(crumbs.getByRole('link', { name: course.title })).toHaveAttribute('href', '/courses/supervised-1')
})

test('on a phone the page never scrolls sideways, the top bar fits, wide math scrolls with a hint', async ({ page }) => {
  test.setTimeout(240_000)
  await page.setViewportSize(PHONE)
  await page.goto('/')
  await expect(page.getByTestId('catalog')).toBeVisible()
  await fitsThePhone(page, 'the front door')

  await signUp(page, 'phone')
  await fitsThePhone(page, 'the catalog, signed in')
  await page.goto('/courses/supervised-1')
  await expect(page.getByTestId('syllabus')).toBeVisible()
  await fitsThePhone(page, 'the course page')

  // The lessons with display math, until one has a formula wider than the phone.
  const course = (await (await page.request.get('/api/courses/supervised-1')).json()) as { lessons: { slug: string }[] }
  let found = false
  for (const { slug } of course.lessons) {
    const lesson = (await (await page.request.get(`/api/courses/supervised-1/lessons/${slug}`)).json()) as { markdown: string }
    if (!lesson.markdown.includes('$$')) continue
    await page.goto(`/courses/supervised-1/lessons/${slug}`)
    await expect(page.locator('article.prose .katex').first()).toBeVisible()
    await page.addStyleTag({ content: '.md-block { content-visibility: visible !important; }' })
    await fitsThePhone(page, `lesson ${slug}`)
    const wide = page.locator('article.prose .math-block').filter({ has: page.locator('.katex-display') })
    const index = await wide.evaluateAll((blocks) => blocks.findIndex((b) => b.scrollWidth > b.clientWidth + 1))
    if (index < 0) continue
    found = true
    const block = wide.nth(index)
    await block.scrollIntoViewIfNeeded()
    const style = await block.evaluate((b) => {
      const s = getComputedStyle(b)
      return { overflowX: s.overflowX, background: s.backgroundImage, attachment: s.backgroundAttachment }
    })
    expect(style.overflowX).toBe('auto')
    expect(style.background).toContain('radial-gradient') // the edge shadow that says "more this way"
    expect(style.attachment).toContain('scroll')
    await block.screenshot({ path: join(SHOTS, 'phone-math-before-scroll.png') })
    const moved = await block.evaluate((b) => {
      b.scrollLeft = b.scrollWidth
      return b.scrollLeft
    })
    expect(moved).toBeGreaterThan(0) // it scrolls, inside its own box
    await block.screenshot({ path: join(SHOTS, 'phone-math-scrolled.png') })
    await fitsThePhone(page, `lesson ${slug}, formula scrolled`)
    await noSeriousA11yProblem(page, `lesson ${slug} on a phone`) // a scrolling formula takes keyboard focus
    break
  }
  expect(found, 'a lesson of supervised-1 has display math wider than a phone').toBe(true)
})
