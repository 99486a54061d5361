/**
 * Whose fault a verdict is, as the pages show it; the event stream's end; the author's try,
 * followed live through both gradings' event streams.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h, reactive } from 'vue'
import VerdictCard from '../src/exercises/VerdictCard.vue'
import RunOutput from '../src/submissions/RunOutput.vue'
import TryResultCard from '../src/authoring/TryResultCard.vue'
import { useTrial } from '../src/authoring/useTrial'
import { useRun } from '../src/submissions/useRun'
import { openEventStream, type RunEvent } from '../src/api/events'
import type { Exercise } from '../src/api/types'
import { runResult, verdict } from './fixtures'

/** A stand-in for the browser's EventSource (jsdom has none): the test pushes events into it. */
class FakeEventSource {
  static CONNECTING = 0
  static OPEN = 1
  static CLOSED = 2
  static all: FakeEventSource[] = []
  readyState = 1
  onmessage: ((e: MessageEvent) => void) | null = null
  onerror: (() => void) | null = null
  listeners = new Map<string, ((e: MessageEvent) => void)[]>()
  constructor(public url: string) {
    FakeEventSource.all.push(this)
  }
  addEventListener(name: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn])
  }
  close() {
    this.readyState = 2
  }
  /** Sends one event the way the server frames it: `data:` only, or `event:` + `data:`. */
  send(event: Record<string, unknown>, named = false) {
    if (this.readyState === 2) return
    const msg = new MessageEvent(named ? String(event.type) : 'message', { data: JSON.stringify(event) })
    if (named) for (const fn of this.listeners.get(String(event.type)) ?? []) fn(msg)
    else this.onmessage?.(msg)
  }
  static at(url: string): FakeEventSource {
    const found = FakeEventSource.all.find((s) => s.url === url)
    if (!found) throw new Error(`no stream opened on ${url}`)
    return found
  }
}

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

async function until(cond: () => boolean, ms = 2000) {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
    await flushPromises()
  }
}

const exercise = { pass_bar: { metric: 'accuracy', at_least: 0.9 } } as unknown as Exercise

beforeEach(() => {
  FakeEventSource.all = []
  vi.stubGlobal('EventSource', FakeEventSource)
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  document.cookie = 'feynlab_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT'
})

describe('verdict card', () => {
  it("shows a learner's failure as theirs, with the figure against the bar", () => {
    const w = mount(VerdictCard, {
      props: { verdict: verdict({ status: 'failed', score: 0.8, metrics: { accuracy: 0.8 } }), exercise, course: 'c' },
    })
    expect(w.find('h3').text()).toBe('Not passed yet')
    expect(w.text()).toContain('accuracy: 80% — the bar is 90%')
    expect(w.find('[data-testid="not-counted"]').exists()).toBe(false)
  })

  it("shows an author's fault as the exercise being fixed, not counted, never as the learner's failure", async () => {
    const v = verdict({ status: 'infra-error', fault: 'author', score: 0, metrics: { accuracy: 0 }, feedback: '' })
    const w = mount(VerdictCard, { props: { verdict: v, exercise, course: 'c' }, attachTo: document.body })
    await until(() => w.text().includes('being fixed, and this attempt is not counted'))
    expect(w.find('h3').text()).toBe('The exercise is being fixed')
    expect(w.find('[data-testid="not-counted"]').text()).toContain('Not counted')
    expect(w.text()).not.toMatch(/Not passed|the bar is|Platform problem/)
    // A learner gets no staff details from the API, so there is no traceback to show.
    expect(w.find('[data-testid="grader-traceback"]').exists()).toBe(false)
    w.unmount()
  })

  it('shows staff the grader traceback of an author fault', () => {
    const staff = { metrics: { accuracy: 0.8123 }, view_seed: 99, predictions: null, platform_error: null,
      grader_traceback: 'Traceback (most recent call last):\n  File "grader.py", line 3\nKeyError: \'x\'' }
    const v = verdict({ status: 'infra-error', fault: 'author', feedback: 'The grader of this exercise failed.', staff })
    const w = mount(VerdictCard, { props: { verdict: v, exercise, course: 'c' } })
    expect(w.find('[data-testid="grader-traceback"]').text()).toContain("KeyError: 'x'")
    expect(w.find('[data-testid="grader-traceback"] summary').text()).toContain('staff only')
  })

  it('shows a platform fault as ours, not counted', async () => {
    const v = verdict({ status: 'infra-error', fault: 'platform', feedback: 'Something went wrong on our side while grading.' })
    const w = mount(VerdictCard, { props: { verdict: v, exercise, course: 'c' }, attachTo: document.body })
    await until(() => w.text().includes('Something went wrong on our side'))
    expect(w.find('h3').text()).toContain('not your fault')
    expect(w.find('[data-testid="not-counted"]').exists()).toBe(true)
    expect(w.find('section').attributes('data-fault')).toBe('platform')
    w.unmount()
  })
})

describe("a cell's result", () => {
  const runState = (v: ReturnType<typeof runResult>) =>
    reactive({ phase: 'done' as const, position: null, attempt: null, output: [], outputSize: 0, outputLimit: null, figures: [], progress: [], epochs: null, epoch: null, batch: null, batches: null, verdict: v, error: null, startedAt: null, finishedAt: null })

  it('shows the learner their own error', () => {
    const w = mount(RunOutput, { props: { run: runState(runResult({ status: 'error', error: 'ValueError: boom' })), showResult: true } })
    expect(w.find('[data-testid="run-result"]').text()).toContain('Your code raised an error')
    expect(w.find('[data-testid="run-error"]').text()).toBe('ValueError: boom')
  })

  it('reads a result stored before the contract had `kind` and `fault` as the learner\'s', () => {
    const old = { status: 'error', output: '', error: 'ValueError: boom', duration_s: 0.05 } as unknown as ReturnType<typeof runResult>
    const w = mount(RunOutput, { props: { run: runState(old), showResult: true } })
    expect(w.find('[data-testid="run-result"]').text()).toContain('Your code raised an error')
    expect(w.find('[data-testid="run-error"]').text()).toBe('ValueError: boom')
  })

  it("shows a platform fault as ours, whatever its status, and not our message as the learner's error", () => {
    const w = mount(RunOutput, {
      props: { run: runState(runResult({ status: 'error', fault: 'platform', error: 'zygote died' })), showResult: true },
    })
    expect(w.find('[data-testid="run-result"]').text()).toContain('not your fault')
    expect(w.find('[data-testid="run-error"]').exists()).toBe(false)
  })
})

describe('a run the queue retried after our fault', () => {
  it('says it runs again because of us, not the learner', async () => {
    const run = useRun()
    const w = mount(RunOutput, { props: { run: run.state } })
    run.onEvent({ type: 'started', attempt: null })
    await flushPromises()
    expect(w.find('.run-phase').text()).toBe('Running…')
    run.onEvent({ type: 'started', attempt: 2 })
    await flushPromises()
    expect(w.find('.run-phase').text()).toContain('Running again (attempt 2): the last attempt failed on our side')
  })
})

describe('event stream', () => {
  it('takes both framings, skips unknown events and closes after the verdict', () => {
    const got: RunEvent[] = []
    openEventStream('/api/runs/1/events', { onEvent: (e) => got.push(e), onError: () => {} })
    const s = FakeEventSource.at('/api/runs/1/events')
    s.send({ type: 'queued', position: 2 })
    s.send({ type: 'stdout', text: 'hi' }, true)
    s.send({ type: 'something-new' })
    s.send({ type: 'verdict', ...runResult() }, true)
    expect(got.map((e) => e.type)).toEqual(['queued', 'stdout', 'verdict'])
    expect(s.readyState).toBe(FakeEventSource.CLOSED)
  })
})

describe("an author's try", () => {
  it('queues both gradings through the API, follows both streams and shows each verdict as it arrives', async () => {
    document.cookie = 'feynlab_csrf=tok9'
    const staff = { metrics: {}, view_seed: 3, predictions: null, platform_error: null, grader_traceback: 'Traceback ...\nZeroDivisionError: division by zero' }
    const stored: Record<number, unknown> = {
      11: verdict({ status: 'passed', score: 0.97, feedback: 'Well done.', staff: { ...staff, grader_traceback: null } }),
      12: verdict({ status: 'infra-error', fault: 'author', feedback: 'The grader of this exercise failed.', staff }),
    }
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const req = input as Request
      const url = new URL(req.url)
      if (req.method === 'POST' && url.pathname === '/api/authoring/courses/c1/exercises/e1/try') {
        return jsonResponse({
          solution: { id: 11, state: 'queued', events_url: '/api/submissions/11/events' },
          starter: { id: 12, state: 'queued', events_url: '/api/submissions/12/events' },
        }, 202)
      }
      const m = /^\/api\/submissions\/(\d+)$/.exec(url.pathname)
      if (req.method === 'GET' && m) return jsonResponse({ id: Number(m[1]), verdict: stored[Number(m[1])] })
      return jsonResponse({ detail: 'unexpected' }, 500)
    })

    const Host = defineComponent({
      setup() {
        const trial = useTrial()
        void trial.start('c1', 'e1')
        return () => h(TryResultCard, { trial, course: 'c1' })
      },
    })
    const w = mount(Host, { attachTo: document.body })
    await until(() => FakeEventSource.all.length === 2)
    const post = fetchMock.mock.calls[0][0] as Request
    expect(post.method).toBe('POST')
    expect(post.headers.get('X-CSRF-Token')).toBe('tok9')

    const solution = FakeEventSource.at('/api/submissions/11/events')
    const starter = FakeEventSource.at('/api/submissions/12/events')
    const row = (part: string) => w.find(`[data-testid="try-${part}"]`).text()
    solution.send({ type: 'queued', position: 1 })
    starter.send({ type: 'queued', position: 2 })
    await flushPromises()
    expect(row('solution')).toContain('In the queue (position 1)')
    expect(row('starter')).toContain('In the queue (position 2)')

    solution.send({ type: 'started', attempt: null })
    solution.send({ type: 'stdout', text: 'epoch 1\n' })
    await flushPromises()
    expect(row('solution')).toContain('Grading…')
    expect(w.find('[data-testid="try-details-solution"] [data-testid="run-output"]').text()).toContain('epoch 1')

    // The streamed verdict is the learner's view; the card reads the staff view once it is in.
    const { staff: _s, ...learnerView } = stored[11] as Record<string, unknown>
    solution.send({ type: 'verdict', ...learnerView, staff: null })
    await until(() => row('solution').includes('✔ yes'))
    expect(row('solution')).toContain('passed')
    expect(row('starter')).toContain('In the queue')
    expect(solution.readyState).toBe(FakeEventSource.CLOSED)

    starter.send({ type: 'verdict', ...(stored[12] as object), staff: null })
    await until(() => w.find('[data-testid="try-details-starter"] [data-testid="grader-traceback"]').exists())
    expect(row('starter')).toContain('the grader failed')
    expect(row('starter')).not.toContain('✔ yes')
    expect(w.find('[data-testid="grader-traceback"]').text()).toContain('ZeroDivisionError')
    expect(fetchMock.mock.calls.map((c) => new URL((c[0] as Request).url).pathname)).toEqual([
      '/api/authoring/courses/c1/exercises/e1/try', '/api/submissions/11', '/api/submissions/12',
    ])
    w.unmount()
  })

  it('says why when the try could not be queued', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse({ detail: 'No exercise e1 in course c1.', code: 'not-found' }, 404))
    const Host = defineComponent({
      setup() {
        const trial = useTrial()
        void trial.start('c1', 'e1')
        return () => h(TryResultCard, { trial, course: 'c1' })
      },
    })
    const w = mount(Host)
    await until(() => w.find('[role="alert"]').exists())
    expect(w.find('[role="alert"]').text()).toBe('No exercise e1 in course c1.')
    expect(FakeEventSource.all).toHaveLength(0)
  })
})
