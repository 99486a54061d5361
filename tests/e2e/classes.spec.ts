/** Classes in the browser: an instructor creates a class and an assignment, a learner joins with
 * the link and sees the deadline on the exercise page, the instructor reads the similarity view. */
import { expect, test } from '@playwright/test'
import { INSTRUCTOR, logIn, shot, signUp } from './helpers'

test('create a class, join it by link, see the deadline, read the similarity view', async ({ browser }) => {
  const teacher = await browser.newPage()
  await logIn(teacher, INSTRUCTOR.email, INSTRUCTOR.password)
  await teacher.getByRole('link', { name: 'Classes' }).click()
  await expect(teacher.getByRole('heading', { name: 'Classes' })).toBeVisible()
  const name = `E2E class ${Date.now()}`
  await teacher.getByLabel('Name').fill(name)
  await teacher.getByLabel('Courses (slugs, separated by commas)').fill('supervised-1')
  await teacher.getByRole('button', { name: 'Create' }).click()
  await expect(teacher.getByRole('heading', { name })).toBeVisible()
  const code = (await teacher.getByTestId('join-code').locator('strong').textContent())?.trim() ?? ''
  expect(code).toMatch(/^[A-Z2-9]{10}$/)

  // An assignment due in two days (the form takes the teacher's own time zone).
  const pad = (n: number) => String(n).padStart(2, '0')
  const local = (d: Date) =>
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
  await teacher.getByLabel('Title').fill('Week 1: softmax')
  await teacher.getByLabel('Exercises (slugs, separated by commas)').fill('softmax')
  await teacher.getByLabel('Opens (your time zone)').fill(local(new Date(Date.now() - 3600_000)))
  await teacher.getByLabel('Due (your time zone)').fill(local(new Date(Date.now() + 2 * 86400_000)))
  await teacher.getByLabel('Late work').selectOption('penalty')
  await teacher.getByRole('button', { name: 'Create assignment' }).click()
  await expect(teacher.getByTestId('assignments')).toContainText('Week 1: softmax')
  await shot(teacher, 'class-instructor', true)

  const learnerPage = await browser.newPage()
  const learner = await signUp(learnerPage, 'class')
  await learnerPage.goto(`/classes/join/${code.slice(0, 5).toLowerCase()}-${code.slice(5)}`)
  await expect(learnerPage.getByRole('heading', { name })).toBeVisible()
  // A learner sees the staff, not the join code nor the gradebook.
  await expect(learnerPage.getByTestId('join-code')).toHaveCount(0)
  await expect(learnerPage.getByTestId('class-gradebook')).toHaveCount(0)
  await learnerPage.getByTestId('assignments').getByRole('link', { name: 'softmax' }).click()
  const deadline = learnerPage.getByTestId('deadline')
  await expect(deadline).toContainText('Week 1: softmax')
  await expect(deadline).toContainText(/Due .*: (1 day|2 days).* left\./)
  await shot(learnerPage, 'exercise-deadline')

  // A wrong code says what to check.
  await learnerPage.goto('/classes/join/NOTAREALCODE')
  await expect(learnerPage.getByTestId('join-problem')).toContainText('join code')

  await teacher.reload()
  await expect(teacher.getByTestId('members')).toContainText(learner.name)
  await expect(teacher.getByTestId('class-gradebook')).toContainText(learner.email)
  await teacher.getByRole('link', { name: 'similarity (softmax)' }).click()
  await expect(teacher.getByTestId('similarity-note')).toContainText('leads for a person to look at, not findings')
  await expect(teacher.getByText('No pair stands out.')).toBeVisible()
  await shot(teacher, 'class-similarity')
})
