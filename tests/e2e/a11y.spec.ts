/** Accessibility: axe-core finds no serious or critical problem (labels, contrast, roles) on the main pages. */
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { INSTRUCTOR, findLesson, logIn, signUp } from './helpers'

async function check(page: Page, what: string) {
  // Excluded: KaTeX's visually hidden MathML copy, and CodeMirror's scroller, which axe calls
  // unfocusable although the editable text inside it takes focus and scrolls it with the caret.
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).exclude('.katex-mathml').exclude('.cm-scroller').analyze()
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  const report = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n  ')}`)
  expect(report, `accessibility problems on ${what}`).toEqual([])
}

test('learner pages have no serious accessibility problems', async ({ page }) => {
  await page.goto('/login')
  await check(page, 'log in')
  await signUp(page, 'a11y')
  await check(page, 'catalog')
  const { course, lesson } = await findLesson(page.request, (l) => l.quizzes.length > 0, 'supervised-1')
  await page.goto(`/courses/${course}`)
  await expect(page.getByTestId('syllabus')).toBeVisible()
  await check(page, 'course page')
  await page.goto(`/courses/${course}/lessons/${lesson.slug}`)
  await expect(page.locator('article.prose .katex').first()).toBeVisible()
  await check(page, 'lesson')
  await page.goto('/courses/supervised-1/exercises/softmax')
  await expect(page.getByTestId('exercise-editor').locator('.cm-content')).toBeVisible()
  await check(page, 'exercise')
})

test('instructor pages have no serious accessibility problems', async ({ page }) => {
  await logIn(page, INSTRUCTOR.email, INSTRUCTOR.password)
  await page.goto('/instructor')
  await expect(page.getByRole('heading', { name: 'Gradebook' })).toBeVisible()
  await check(page, 'gradebook')
  await page.goto('/author')
  await expect(page.getByRole('heading', { name: 'New course' })).toBeVisible()
  await check(page, 'author home')
})

test('the app can be used with the keyboard alone: log in and open a course', async ({ page }) => {
  await page.goto('/login')
  await page.keyboard.press('Tab') // skip link
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused()
  await page.getByLabel('Email').focus()
  await page.keyboard.type(INSTRUCTOR.email)
  await page.keyboard.press('Tab')
  await page.keyboard.type(INSTRUCTOR.password)
  await page.keyboard.press('Enter')
  await expect(page.getByRole('heading', { name: 'Courses' })).toBeVisible()
  const firstCourse = page.getByTestId('catalog').getByRole('link').first()
  await firstCourse.focus()
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('syllabus')).toBeVisible()
})
