#!/usr/bin/env node
/**
 * A stand-in for `feynlab serve` for front-end work only: serves dist/ and fakes the API the
 * front end expects (docs/frontend.md lists it), with in-memory data and SSE run events.
 * It is NOT the platform: nothing runs code. Usage: node scripts/mock-server.mjs [port]
 */
import { createServer } from 'node:http'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'

const PORT = Number(process.argv[2] ?? process.env.PORT ?? 8765)
const DIST = fileURLToPath(new URL('../dist/', import.meta.url))
// 1x1 PNG, blue.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='

const users = [
  { id: 1, email: 'instructor@feynlab.local', password: 'instructor-demo-pass', name: 'Ada Instructor', role: 'instructor' },
  { id: 2, email: 'learner@example.com', password: 'learner-pass', name: 'Lee Learner', role: 'learner' },
]
const sessions = new Map() // token -> user id
const progress = new Map() // user id -> { read: Set, passed: Map<key, score>, attempts: Map }
const jobs = new Map() // id -> { events: [], done, kind, user, course, exercise, code, created_at, verdict }
let nextJob = 1

const quiz = (id, q, choices, correct, explanation) => ({ id, question: q, type: 'single', choices, correct, explanation })
const LESSONS = {
  'supervised-1': {
    'neural-networks': {
      title: 'Neural networks',
      markdown: [
        '# Neurons', '', 'A neuron computes $y = \\sigma(w^\\top x + b)$, where $\\sigma$ is an activation.', '',
        '$$', '\\mathrm{softmax}(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}', '$$', '',
        '```python', 'import numpy as np', 'print(np.exp([1.0, 2.0]).round(3))', '```', '',
        'Plot it:', '', '```python', 'import matplotlib.pyplot as plt', 'plt.plot([1, 2, 3])', 'plt.show()', '```', '',
        '<div data-quiz="softmax-sum"></div>', '',
      ].join('\n'),
      quizzes: [quiz('softmax-sum', 'What do the outputs of a softmax add up to?', ['1', '0', 'It depends'], [0], 'A softmax turns scores into a probability distribution.')],
    },
    'mnist': { title: 'MNIST in Keras', markdown: '# MNIST\n\nTrain with $60\\,000$ images.\n', quizzes: [] },
  },
  'qlearning-snake': {
    'q-learning': { title: 'Q-learning', markdown: '# Bellman\n\n$$Q(s,a) \\leftarrow Q(s,a) + \\alpha\\,(r + \\gamma \\max_{a\'} Q(s\',a\') - Q(s,a))$$\n', quizzes: [] },
  },
}
const EXERCISES = {
  'supervised-1': {
    softmax: { title: 'Softmax', lesson: 'neural-networks', statement: 'Write `softmax(z)` for a 2-D array, one distribution per row. Mind large values: $e^{1000}$ overflows.', starter: 'import numpy as np\n\ndef softmax(z):\n    return np.exp(z) / np.exp(z).sum()\n', hints: ['Subtract the row maximum first.', 'Use `keepdims=True`.'], pass: { metric: 'accuracy', at_least: 1.0 } },
    'mnist-classifier': { title: 'MNIST classifier', lesson: 'mnist', statement: 'Train a model reaching 90%.', starter: 'def train_model(x_train, y_train):\n    ...\n', hints: [], pass: { metric: 'accuracy', at_least: 0.9 } },
  },
  'qlearning-snake': {
    'snake-3x3': { title: 'Snake on 3x3', lesson: 'q-learning', statement: 'Train a Q-learning agent that wins 60% of games.', starter: 'def train(env, seconds):\n    return lambda obs: 0\n', hints: ['Use obs.tobytes() as the key.'], pass: { metric: 'win_rate', at_least: 0.6 } },
  },
}
const COURSES = {
  'supervised-1': { title: 'Supervised I: Keras and MNIST', summary: 'Neurons, softmax, gradient descent and an MNIST classifier.', level: 'beginner' },
  'qlearning-snake': { title: 'Q-learning and Snake', summary: 'Reinforcement learning from the Bellman update to a Snake agent.', level: 'intermediate' },
}
const files = new Map() // `${course}/${path}` -> content

function prog(uid) {
  if (!progress.has(uid)) progress.set(uid, { read: new Set(), passed: new Map(), best: new Map(), attempts: new Map(), last: new Map() })
  return progress.get(uid)
}
function courseProgress(uid, c) {
  const p = prog(uid)
  const lessons = Object.keys(LESSONS[c]), exercises = Object.keys(EXERCISES[c])
  const read = lessons.filter((l) => p.read.has(`${c}/${l}`)), passed = exercises.filter((e) => p.passed.has(`${c}/${e}`))
  const done = read.length + passed.length, total = lessons.length + exercises.length
  return {
    course: c, lessons_read: read.length, lessons_total: lessons.length, quizzes_answered: 0, quizzes_total: 0,
    exercises_passed: passed.length, exercises_total: exercises.length, percent: total ? Math.round((100 * done) / total) : 0,
    read_lessons: read, answered_quizzes: [], passed_exercises: passed,
    exercises: exercises.filter((e) => p.attempts.get(`${c}/${e}`)).map((e) => ({ exercise: e, passed: p.passed.has(`${c}/${e}`), best_score: p.best.get(`${c}/${e}`) ?? null, attempts: p.attempts.get(`${c}/${e}`), last_activity: p.last.get(`${c}/${e}`) })),
  }
}
function summary(uid, c) {
  return { slug: c, ...COURSES[c], draft: false, lesson_count: Object.keys(LESSONS[c]).length, exercise_count: Object.keys(EXERCISES[c]).length, progress: courseProgress(uid, c) }
}
function exStatus(uid, c, e) {
  const p = prog(uid), k = `${c}/${e}`
  return p.passed.has(k) ? 'passed' : p.attempts.get(k) ? 'failed' : 'not-attempted'
}

function send(res, status, body, headers = {}) {
  const data = body === undefined ? '' : JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
  res.end(data)
}
const err = (res, status, detail) => send(res, status, { detail })
function cookies(req) {
  return Object.fromEntries((req.headers.cookie ?? '').split(';').filter(Boolean).map((c) => c.trim().split('=').map(decodeURIComponent)))
}
async function body(req) {
  let s = ''
  for await (const chunk of req) s += chunk
  try { return s ? JSON.parse(s) : {} } catch { return null }
}
function snakeGames(n) {
  const games = []
  for (let g = 0; g < n; g++) {
    const won = g % 3 !== 2
    const frames = [
      [[0, 0, -1], [0, 1, 0], [0, 0, 0]], [[0, 1, -1], [0, 0, 0], [0, 0, 0]], [[0, 2, 1], [-1, 0, 0], [0, 0, 0]],
      [[0, 3, 2], [-1, 0, 1], [0, 0, 0]], [[0, 0, 3], [-1, 0, 2], [0, 0, 1]],
    ]
    if (won) frames.push([[4, 3, 2], [5, 6, 1], [7, 8, 9]])
    games.push({ size: 3, frames, actions: [0, 1, 2, 2, 3].slice(0, frames.length - 1), won })
  }
  return games
}
function runEvents(code, graded, c, e) {
  const ev = [{ type: 'queued', position: 1 }, { type: 'started', attempt: null }]
  // The stream's last event, shaped like the server's VerdictEvent / RunResultEvent (OpenAPI `RunEvent`).
  const RES = { cpu_s: 0.1, max_rss_mb: 60 }
  const run = (o) => ({ type: 'verdict', kind: 'run', fault: 'learner', output: '', error: null, duration_s: 0.04, resources: RES, seed: 1234, first_output_s: null, ...o })
  if (code.includes('print')) ev.push({ type: 'stdout', text: '[2.718 7.389]\n' })
  if (code.includes('plt.')) ev.push({ type: 'figure', format: 'png', data: PNG, width: 320, height: 240 })
  if (code.includes('fit(')) for (let i = 0; i < 5; i++) ev.push({ type: 'progress', epoch: i + 1, epochs: 5, batch: null, batches: null, logs: { loss: 1 / (i + 1), accuracy: 0.5 + i * 0.1, val_loss: 1.1 / (i + 1), val_accuracy: 0.48 + i * 0.1 } })
  if (code.includes('raise')) {
    ev.push({ type: 'stderr', text: 'Traceback (most recent call last):\n  File "cell", line 1\nValueError: boom\n' })
    ev.push(graded ? { type: 'verdict', kind: 'verdict', status: 'error', fault: 'learner', score: null, metrics: {}, feedback: 'Your code raised `ValueError`.', output: '', error: 'ValueError: boom', duration_s: 0.05, resources: RES, seed: 1234, artifacts: {}, staff: null } : run({ status: 'error', error: 'ValueError: boom', duration_s: 0.05 }))
    return ev
  }
  if (!graded) { ev.push(run({ status: 'ok' })); return ev }
  let verdict
  if (e === 'snake-3x3') {
    const good = code.includes('epsilon')
    const games = snakeGames(good ? 9 : 6)
    const rate = games.filter((g) => g.won).length / games.length
    verdict = { status: good ? 'passed' : 'failed', score: good ? rate : 0.0, metrics: { win_rate: good ? rate : 0 }, feedback: good ? 'Your agent wins most games.' : 'Your agent **never** wins: train it with Q-learning.', artifacts: { snake_games: good ? games : games.map((g) => ({ ...g, won: false })) } }
  } else {
    const good = code.includes('.max(')
    verdict = { status: good ? 'passed' : 'failed', score: good ? 1 : 0.4, metrics: { accuracy: good ? 1 : 0.4 }, feedback: good ? 'All hidden cases pass.' : 'Rows do not add up to 1, or large values overflow. Subtract the row maximum.', artifacts: {} }
  }
  ev.push({ type: 'verdict', kind: 'verdict', fault: 'learner', ...verdict, output: '', error: null, duration_s: 0.2, resources: RES, seed: 1234, staff: null })
  return ev
}
function newJob(user, kind, code, c, e) {
  const id = nextJob++
  const job = { id, kind, user: user.id, code, course: c, exercise: e, created_at: new Date().toISOString(), events: runEvents(code, kind !== 'run', c, e) }
  job.verdict = job.events.at(-1)
  jobs.set(id, job)
  if (kind === 'submission') {
    const p = prog(user.id), k = `${c}/${e}`
    p.attempts.set(k, (p.attempts.get(k) ?? 0) + 1)
    p.last.set(k, job.created_at)
    p.best.set(k, Math.max(p.best.get(k) ?? 0, job.verdict.score ?? 0))
    if (job.verdict.status === 'passed') p.passed.set(k, job.verdict.score)
  }
  return job
}
function subSummary(j) {
  return { id: j.id, user_id: j.user, state: 'done', status: j.verdict.status, score: j.verdict.score ?? null, round: 1, created_at: j.created_at, started_at: j.created_at, finished_at: j.created_at, course: j.course, exercise: j.exercise }
}
function subRead(j) {
  const { type, ...verdict } = j.verdict
  return { ...subSummary(j), code: j.code, verdict }
}
function stream(res, job) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' })
  let i = 0
  const tick = () => {
    if (i >= job.events.length) return res.end()
    const ev = job.events[i]
    // Alternate the two framings the front end accepts: named events and plain data events.
    res.write(i % 2 ? `id: ${i}\nevent: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n` : `id: ${i}\ndata: ${JSON.stringify(ev)}\n\n`)
    i++
    setTimeout(tick, 60)
  }
  tick()
}

const userRead = (u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, created_at: '2026-01-01T00:00:00Z' })
function openSession(res, u, status) {
  const t = randomBytes(16).toString('hex'), csrf = randomBytes(16).toString('hex')
  sessions.set(t, u.id)
  return send(res, status, { user: userRead(u), token: t, csrf_token: csrf, expires_at: '2099-01-01T00:00:00Z' }, { 'Set-Cookie': [`feynlab_session=${t}; HttpOnly; Path=/; SameSite=Lax`, `feynlab_csrf=${csrf}; Path=/; SameSite=Lax`] })
}

async function api(req, res, url) {
  const path = url.pathname
  const m = (re) => re.exec(path)
  const token = cookies(req).feynlab_session
  const user = users.find((u) => u.id === sessions.get(token)) ?? null
  if (!['GET', 'HEAD'].includes(req.method) && path !== '/api/auth/login' && path !== '/api/auth/signup') {
    if (!req.headers['x-csrf-token'] || req.headers['x-csrf-token'] !== cookies(req).feynlab_csrf) return err(res, 403, 'Missing or wrong CSRF token.')
  }
  if (path === '/api/auth/signup' && req.method === 'POST') {
    const b = await body(req)
    if (!b?.email || !b?.password || !b?.name) return send(res, 422, { detail: [{ loc: ['body', 'email'], msg: 'Field required' }] })
    if (b.password.length < 8) return send(res, 422, { detail: [{ loc: ['body', 'password'], msg: 'String should have at least 8 characters' }] })
    if (users.some((u) => u.email === b.email)) return err(res, 409, 'An account with this email already exists.')
    const u = { id: users.length + 1, email: b.email, password: b.password, name: b.name, role: 'learner' }
    users.push(u)
    return openSession(res, u, 201)
  }
  if (path === '/api/auth/login' && req.method === 'POST') {
    const b = await body(req)
    const u = users.find((x) => x.email === b?.email && x.password === b?.password)
    if (!u) return err(res, 401, 'Wrong email or password.')
    return openSession(res, u, 200)
  }
  if (!user) return err(res, 401, 'Please log in.')
  if (path === '/api/auth/logout') { sessions.delete(token); return send(res, 200, { detail: 'Logged out.' }) }
  if (path === '/api/me') return send(res, 200, userRead(user))
  if (path === '/api/courses') return send(res, 200, Object.keys(COURSES).map((c) => summary(user.id, c)))
  let r
  if ((r = m(/^\/api\/courses\/([^/]+)$/))) {
    const c = r[1]
    if (!COURSES[c]) return err(res, 404, 'No such course.')
    const exercises = Object.entries(EXERCISES[c]).map(([slug, e]) => ({ slug, title: e.title, lesson: e.lesson }))
    return send(res, 200, {
      ...summary(user.id, c),
      lessons: Object.entries(LESSONS[c]).map(([slug, l]) => ({ slug, title: l.title, summary: '', exercises: exercises.filter((e) => e.lesson === slug) })),
      exercises,
    })
  }
  if ((r = m(/^\/api\/courses\/([^/]+)\/lessons\/([^/]+)$/))) {
    const [, c, l] = r
    const lesson = LESSONS[c]?.[l]
    if (!lesson) return err(res, 404, 'No such lesson.')
    const slugs = Object.keys(LESSONS[c]), i = slugs.indexOf(l)
    return send(res, 200, {
      course: c, slug: l, title: lesson.title, summary: '', markdown: files.get(`${c}/lessons/${l}.md`) ?? lesson.markdown,
      quizzes: lesson.quizzes.map(({ correct, explanation, ...q }) => q), cells: [],
      exercises: Object.entries(EXERCISES[c]).filter(([, e]) => e.lesson === l).map(([slug]) => slug),
      previous: slugs[i - 1] ?? null, next: slugs[i + 1] ?? null,
    })
  }
  if ((r = m(/^\/api\/courses\/([^/]+)\/lessons\/([^/]+)\/read$/)) && req.method === 'POST') {
    if (!LESSONS[r[1]]?.[r[2]]) return err(res, 404, 'No such lesson.')
    prog(user.id).read.add(`${r[1]}/${r[2]}`)
    return send(res, 200, courseProgress(user.id, r[1]))
  }
  if ((r = m(/^\/api\/courses\/([^/]+)\/lessons\/([^/]+)\/quizzes\/([^/]+)\/answers$/))) {
    const q = LESSONS[r[1]]?.[r[2]]?.quizzes.find((x) => x.id === r[3])
    if (!q) return err(res, 404, 'No such quiz.')
    const b = await body(req)
    const chosen = [...(b?.choices ?? [])].sort()
    return send(res, 200, { correct: JSON.stringify(chosen) === JSON.stringify(q.correct), correct_choices: q.correct, explanation: q.explanation, choice_feedback: [] })
  }
  if ((r = m(/^\/api\/courses\/([^/]+)\/figures\/(.+)$/))) return err(res, 404, 'No such figure.')
  if ((r = m(/^\/api\/courses\/([^/]+)\/exercises\/([^/]+)$/))) {
    const e = EXERCISES[r[1]]?.[r[2]]
    if (!e) return err(res, 404, 'No such exercise.')
    const { pass, ...rest } = e
    return send(res, 200, { slug: r[2], course: r[1], ...rest, entrypoint: 'f', pass_bar: pass, limits: {} })
  }
  if ((r = m(/^\/api\/courses\/([^/]+)\/exercises\/([^/]+)\/submissions$/))) {
    if (!EXERCISES[r[1]]?.[r[2]]) return err(res, 404, 'No such exercise.')
    if (req.method === 'POST') {
      const b = await body(req)
      if (typeof b?.code !== 'string') return send(res, 422, { detail: [{ loc: ['body', 'code'], msg: 'Field required' }] })
      const id = newJob(user, 'submission', b.code, r[1], r[2]).id
      return send(res, 202, { id, state: 'queued', events_url: `/api/submissions/${id}/events` })
    }
    return send(res, 200, [...jobs.values()].filter((j) => j.kind === 'submission' && j.user === user.id && j.course === r[1] && j.exercise === r[2]).reverse().map(subSummary))
  }
  if (path === '/api/runs' && req.method === 'POST') {
    const b = await body(req)
    const id = newJob(user, 'run', b?.code ?? '', b?.course).id
    return send(res, 202, { id, state: 'queued', events_url: `/api/runs/${id}/events` })
  }
  if ((r = m(/^\/api\/(runs|submissions)\/([^/]+)\/events$/))) {
    const j = jobs.get(Number(r[2]))
    if (!j || j.user !== user.id) return err(res, 404, 'No such run.')
    return stream(res, j)
  }
  if ((r = m(/^\/api\/submissions\/([^/]+)$/))) {
    const j = jobs.get(Number(r[1]))
    if (!j || (j.user !== user.id && user.role === 'learner')) return err(res, 404, 'No such submission.')
    return send(res, 200, subRead(j))
  }
  if (user.role === 'learner') return err(res, 403, 'Only instructors can do that.')
  if (path === '/api/authoring/courses' && req.method === 'GET') {
    return send(res, 200, Object.entries(COURSES).map(([slug, c]) => ({ slug, title: c.title, status: 'ok', stale: false, problems: [] })))
  }
  if (path === '/api/authoring/preview-check') {
    const b = await body(req)
    const [, ...rest] = b.path.split('/')
    return send(res, 200, { problems: formatProblems(rest.join('/'), b.content), other_problems: [] })
  }
  if ((r = m(/^\/api\/authoring\/courses\/([^/]+)\/files$/))) {
    return send(res, 200, ['course.yaml', ...Object.keys(LESSONS[r[1]] ?? {}).map((l) => `lessons/${l}.md`)].map((p) => ({ path: p, size: 100 })))
  }
  if (path === '/api/authoring/courses' && req.method === 'POST') {
    const b = await body(req)
    if (COURSES[b.slug]) return err(res, 409, `A course named ${b.slug} already exists.`)
    COURSES[b.slug] = { title: b.title, summary: b.summary ?? '', level: b.level ?? 'beginner' }
    LESSONS[b.slug] = {}; EXERCISES[b.slug] = {}
    return send(res, 201, { slug: b.slug, title: b.title, status: 'ok', stale: false, problems: [] })
  }
  if ((r = m(/^\/api\/authoring\/courses\/([^/]+)\/files\/(.+)$/))) {
    const [, c, p] = r
    const lesson = /^lessons\/(.+)\.md$/.exec(p)
    if (req.method === 'PUT') {
      const b = await body(req)
      const problems = formatProblems(p, b.content)
      if (problems.length) return send(res, 422, { detail: 'Not saved: the course would break.', code: 'invalid-course', problems })
      files.set(`${c}/${p}`, b.content)
      return send(res, 200, { path: p, course: { slug: c, title: COURSES[c]?.title ?? c, status: 'ok', stale: false, problems: [] } })
    }
    const code = /^exercises\/([^/]+)\/(starter|solution)\.py$/.exec(p)
    const ex = code && EXERCISES[c]?.[code[1]]
    const exerciseFile = ex ? (code[2] === 'starter' ? ex.starter : '# the reference solution\ndef f(x):\n    return x - x.max(axis=1)\n') : null
    const content = files.get(`${c}/${p}`) ?? exerciseFile ?? (lesson && LESSONS[c]?.[lesson[1]] ? `---\ntitle: ${LESSONS[c][lesson[1]].title}\n---\n\n${LESSONS[c][lesson[1]].markdown}` : null)
    return content == null ? err(res, 404, 'No such file.') : send(res, 200, { path: p, content })
  }
  if ((r = m(/^\/api\/authoring\/courses\/([^/]+)\/exercises\/([^/]+)\/try$/))) {
    // Two trials (never counted), answered at once and streamed like submissions.
    const solution = newJob(user, 'trial', '# the reference: epsilon-greedy; x - x.max(axis=1)', r[1], r[2]).id
    const starter = newJob(user, 'trial', 'pass', r[1], r[2]).id
    const accepted = (id) => ({ id, state: 'queued', events_url: `/api/submissions/${id}/events` })
    return send(res, 202, { solution: accepted(solution), starter: accepted(starter) })
  }
  const learnerRows = () => users.filter((u) => u.role === 'learner').map((u) => {
    const p = prog(u.id), cells = {}
    for (const c of Object.keys(EXERCISES)) for (const e of Object.keys(EXERCISES[c])) {
      const k = `${c}/${e}`
      cells[k] = { status: exStatus(u.id, c, e), best_score: p.best.get(k) ?? null, attempts: p.attempts.get(k) ?? 0, last_activity: p.last.get(k) ?? null }
    }
    return { id: u.id, name: u.name, email: u.email, cells }
  })
  const gradebookRows = () => learnerRows().flatMap((l) => Object.entries(l.cells).filter(([, v]) => v.attempts > 0).map(([k, v]) => ({
    learner: { id: l.id, email: l.email, name: l.name }, course: k.split('/')[0], exercise: k.split('/')[1],
    status: v.status === 'passed' ? 'passed' : 'attempted', best_score: v.best_score, attempts: v.attempts, last_activity: v.last_activity,
  })))
  if (path === '/api/instructor/gradebook') return send(res, 200, gradebookRows())
  if (path === '/api/instructor/gradebook.csv') {
    const lines = ['learner,email,course,exercise,status,best_score,attempts,last_activity']
    for (const l of learnerRows()) for (const [k, v] of Object.entries(l.cells)) lines.push([l.name, l.email, ...k.split('/'), v.status, v.best_score ?? '', v.attempts, v.last_activity ?? ''].join(','))
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="gradebook.csv"' })
    return res.end(lines.join('\n') + '\n')
  }
  if ((r = m(/^\/api\/instructor\/learners\/([^/]+)$/))) {
    const u = users.find((x) => String(x.id) === r[1])
    if (!u) return err(res, 404, 'No such learner.')
    return send(res, 200, { learner: { id: u.id, email: u.email, name: u.name }, rows: gradebookRows().filter((row) => row.learner.id === u.id), submissions: [...jobs.values()].filter((j) => j.kind === 'submission' && j.user === u.id).map(subRead) })
  }
  return err(res, 404, 'Not found.')
}

/** The one course-format rule the mock knows: `$$$` is a broken math block. */
function formatProblems(file, content) {
  const problems = []
  content.split('\n').forEach((line, i) => { if (line.includes('$$$')) problems.push({ file, line: i + 1, message: 'Broken math block: "$$$".' }) })
  return problems
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.svg': 'image/svg+xml', '.png': 'image/png' }
async function staticFile(res, pathname) {
  let file = normalize(join(DIST, decodeURIComponent(pathname)))
  if (!file.startsWith(DIST)) file = join(DIST, 'index.html')
  try {
    if (!(await stat(file)).isFile()) throw new Error('dir')
  } catch {
    file = join(DIST, 'index.html') // SPA: unknown non-API paths get the app
  }
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' })
  res.end(await readFile(file))
}

createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  const handler = url.pathname.startsWith('/api/') ? api(req, res, url) : staticFile(res, url.pathname)
  handler.catch((e) => { console.error(e); if (!res.headersSent) err(res, 500, 'Mock server error.') })
}).listen(PORT, '127.0.0.1', () => console.log(`mock Feynlab on http://127.0.0.1:${PORT} (instructor@feynlab.local / instructor-demo-pass)`))
