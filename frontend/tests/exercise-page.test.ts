/** The exercise page's parts: public checks, the facts before submitting, live grading status,
 * the console as a terminal, training curves that never go back, and the Snake replay. */
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import { useRun } from '../src/submissions/useRun'
import { renderTerminal } from '../src/submissions/terminal'
import RunOutput from '../src/submissions/RunOutput.vue'
import TrainingChart from '../src/exercises/TrainingChart.vue'
import PublicChecks from '../src/exercises/PublicChecks.vue'
import ExerciseFacts from '../src/exercises/ExerciseFacts.vue'
import GradingStatus from '../src/exercises/GradingStatus.vue'
import SnakeReplay from '../src/exercises/SnakeReplay.vue'
import { barInWords } from '../src/exercises/bar'
import type { Exercise } from '../src/api/types'
import { verdict } from './fixtures'

const text = (lines: ReturnType<typeof renderTerminal>) => lines.map((l) => l.map((s) => s.text).join('')).join('\n')

describe('the console as a terminal', () => {
  it("shows Keras's progress bar as its last redraw, with its ANSI bold and colours", () => {
    const bar = (n: number) => `\r\x1b[1m${n}/3\x1b[0m \x1b[32m${'━'.repeat(n)}\x1b[0m${' '.repeat(3 - n)} - loss: 0.${9 - n}`
    const chunks = [
      { stream: 'stdout' as const, text: 'Epoch 1/1\n' + bar(1) },
      { stream: 'stdout' as const, text: bar(2) + bar(3).slice(0, 5) }, // a sequence cut between chunks
      { stream: 'stdout' as const, text: bar(3).slice(5) + '\n' },
    ]
    const lines = renderTerminal(chunks)
    expect(text(lines)).toBe('Epoch 1/1\n3/3 ━━━ - loss: 0.6\n')
    const styled = lines[1]
    expect(styled.find((s) => s.text === '3/3')?.cls).toContain('ansi-bold')
    expect(styled.find((s) => s.text === '━━━')?.cls).toContain('ansi-fg-2')
    expect(text(lines)).not.toContain('\x1b')
  })

  it('erases the rest of a line on ESC [ K and drops sequences it does not know', () => {
    const lines = renderTerminal([{ stream: 'stderr', text: 'abcdef\r\x1b[Kxy\x1b[?25l\n' }])
    expect(text(lines)).toBe('xy\n')
    expect(lines[0][0].cls).toBe('stderr')
  })

  it('renders the bar in the page: one line, no escape codes', () => {
    const run = useRun()
    run.onEvent({ type: 'started', attempt: null })
    run.onEvent({ type: 'stdout', text: '\r1/2 \x1b[32m━\x1b[0m' })
    run.onEvent({ type: 'stdout', text: '\r2/2 \x1b[32m━━\x1b[0m\n' })
    const w = mount(RunOutput, { props: { run: run.state } })
    const out = w.find('[data-testid="run-output"]')
    expect(out.text()).toBe('2/2 ━━')
    expect(out.find('.ansi-fg-2').text()).toBe('━━')
  })
})

describe('training progress', () => {
  it('places batches inside their epoch, so the line never jumps back, and a second fit after the first', () => {
    const { state, onEvent } = useRun()
    const p = (epoch: number, batch: number | null, loss: number) =>
      onEvent({ type: 'progress', epoch, epochs: 2, batch, batches: batch == null ? null : 10, logs: { loss } })
    p(1, 5, 1.0); p(1, null, 0.8); p(2, 5, 0.7); p(2, null, 0.6)
    expect(state.progress.map((q) => q.x)).toEqual([0.5, 1, 1.5, 2])
    expect([state.epoch, state.epochs]).toEqual([2, 2])
    p(1, 5, 0.9) // fit called again
    const xs = state.progress.map((q) => q.x)
    expect(xs[4]).toBeGreaterThanOrEqual(xs[3])
  })

  it('starts the x axis at the first epoch and labels every epoch', () => {
    const points = [1, 2, 3].map((e) => ({ x: e, logs: { loss: 1 / e } }))
    const w = mount(TrainingChart, { props: { points, epochs: 3 } })
    expect(w.findAll('[data-testid="epoch-tick"]').map((t) => t.text())).toEqual(['1', '2', '3'])
    const d = w.find('path.series').attributes('d')!
    const xs = [...d.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]))
    expect(xs[0]).toBe(52) // the first epoch sits on the y axis, not one epoch in
    expect([...xs].sort((a, b) => a - b)).toEqual(xs)
  })

  it('draws points in the order of x even when they came out of order', () => {
    const points = [{ x: 2, logs: { loss: 0.5 } }, { x: 1, logs: { loss: 1 } }, { x: 3, logs: { loss: 0.2 } }]
    const w = mount(TrainingChart, { props: { points, epochs: 3 } })
    const xs = [...w.find('path.series').attributes('d')!.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]))
    expect([...xs].sort((a, b) => a - b)).toEqual(xs)
  })
})

describe('public checks', () => {
  const checks = [
    { name: 'one row of three scores', input: 'softmax([[1, 2, 3]])', expected: '[[0.09, 0.2447, 0.6652]]', got: '[[1, 2, 3]]', passed: false, problem: 'the values differ' },
    { name: 'large scores', input: 'softmax([[1000, 1001]])', expected: '[[0.2689, 0.7311]]', got: '[[0.2689, 0.7311]]', passed: true, problem: null },
  ]

  it('lists each check and shows the failing case: input, expected, got', () => {
    const w = mount(PublicChecks, { props: { verdict: verdict({ status: 'failed', artifacts: { public_checks: checks } }) } })
    expect(w.find('[data-testid="public-checks-summary"]').text()).toBe('1 of 2 public checks pass')
    const items = w.findAll('[data-testid="public-check"]')
    expect(items.map((i) => i.attributes('data-passed'))).toEqual(['false', 'true'])
    const failing = w.find('[data-testid="failing-case"]')
    expect(failing.text()).toContain('softmax([[1, 2, 3]])')
    expect(failing.text()).toContain('[[0.09, 0.2447, 0.6652]]')
    expect(failing.text()).toContain('Your code gave')
    expect(items[1].find('[data-testid="failing-case"]').exists()).toBe(false)
  })

  it("shows the learner's own error when their code raised before any check was judged", () => {
    const v = verdict({ status: 'error', error: 'Traceback...\nNameError: name "np" is not defined', error_line: 3 })
    const w = mount(PublicChecks, { props: { verdict: v } })
    expect(w.text()).toContain('Your code raised an error')
    expect(w.text()).toContain('line 3')
    expect(w.find('[data-testid="public-checks-error"]').text()).toContain('NameError')
  })

  it('never blames the learner for a broken check', () => {
    const w = mount(PublicChecks, { props: { verdict: verdict({ status: 'infra-error', fault: 'author', error: 'KeyError in public.py' }) } })
    expect(w.text()).toContain('not your fault')
    expect(w.text()).not.toContain('KeyError')
  })
})

describe('before submitting', () => {
  const exercise = {
    course: 'c', slug: 'cnn', title: 'A CNN', lesson: 'l', statement: '', entrypoint: 'train_model', starter: '', hints: [],
    pass_bar: { metric: 'accuracy', at_least: 0.75 }, limits: {}, has_public_checks: true,
    rules: [{ text: 'Use at least one convolution layer (Conv2D).', checked: true }, { text: 'Train it yourself.', checked: false }],
  } as unknown as Exercise
  const budget = {
    limits: { wall_s: 300, cpu_s: 120, memory_mb: 3072, output_kb: 64 },
    max_code_kb: 4, daily_submissions: 5, left_today: 3, resets_at: null,
  }

  it('shows the bar in plain words, the rules (checked or honour) and every limit', () => {
    const w = mount(ExerciseFacts, { props: { exercise, budget, codeKb: 1.2 } })
    expect(w.find('[data-testid="pass-bar"]').text()).toContain('accuracy of at least 75%')
    expect(w.find('[data-testid="pass-bar"]').text()).not.toContain('0.75')
    expect(w.find('[data-rule="checked"]').text()).toContain('checked by the grader')
    expect(w.find('[data-rule="honour"]').text()).toContain('honour rule')
    const limits = w.find('[data-testid="exercise-limits"]').text()
    for (const part of ['5 min per grading', '2 min of CPU', '3 GB', '1.2 of 4 KB', '3 of 5 left today']) expect(limits).toContain(part)
    expect(w.find('[data-testid="training-budget"]').exists()).toBe(false)
  })

  it('shows the training budget an exercise gives the learner\'s code', () => {
    const w = mount(ExerciseFacts, { props: { exercise: { ...exercise, training_s: 30 }, budget, codeKb: 1.2 } })
    expect(w.find('[data-testid="training-budget"]').text()).toContain('30 s for your code to train')
  })

  it('never shows a raw metric key as the bar', () => {
    expect(barInWords('cases_passed', 1)).toBe('Pass every hidden test case.')
    expect(barInWords('win_rate', 0.6)).toBe('Win at least 60% of the evaluation games.')
  })
})

describe('while grading', () => {
  it('shows the queue position, then the elapsed time, the time left and the epoch', async () => {
    const run = useRun()
    run.onEvent({ type: 'queued', position: 2 })
    const w = mount(GradingStatus, { props: { run: run.state, wallS: 150, what: 'Grading' } })
    expect(w.find('[data-testid="queue-position"]').text()).toContain('position 2')
    run.onEvent({ type: 'started', attempt: null })
    run.state.startedAt = Date.now() - 12_000
    run.onEvent({ type: 'progress', epoch: 2, epochs: 5, batch: 30, batches: 469, logs: { loss: 0.3 } })
    await nextTick()
    expect(w.find('[data-testid="elapsed"]').text()).toMatch(/Grading: 1[2-3]\.\d s/)
    expect(w.find('[data-testid="time-left"]').text()).toMatch(/2 min 1[78] s left of the 2 min 30 s time limit/)
    expect(w.find('[data-testid="epoch-progress"]').text()).toBe('Epoch 2 of 5 (batch 30 of 469)')
    expect(w.find('[data-testid="training-left"]').exists()).toBe(false) // no budget given
    w.unmount()
  })

  it('counts down the training budget the exercise gives, then says it is used up', async () => {
    const run = useRun()
    run.onEvent({ type: 'started', attempt: null })
    run.state.startedAt = Date.now() - 12_000
    const w = mount(GradingStatus, { props: { run: run.state, wallS: 150, trainingS: 30, what: 'Grading' } })
    await nextTick()
    expect(w.find('[data-testid="training-left"]').text()).toMatch(/Training: 1[78] s left of its 30 s budget/)
    run.state.startedAt = Date.now() - 40_000
    await w.setProps({ trainingS: 30 })
    await new Promise((r) => setTimeout(r, 300)) // the status ticks every 250 ms
    expect(w.find('[data-testid="training-left"]').text()).toContain('Training budget used up')
    w.unmount()
  })
})

describe('snake replay', () => {
  // 2x2 board: the head (1) at the top left moves up into the wall on its last move
  const died = { size: 2, frames: [[1, -1, 0, 0], [1, -1, 0, 0]], actions: [0], won: false, outcome: 'died' }
  const won = { size: 2, frames: [[1, -1, 0, 0], [2, 1, 0, -1]], actions: [1], won: true, outcome: 'won' }

  it('says how a lost game died, on its last frame', async () => {
    const w = mount(SnakeReplay, { props: { games: [died] } })
    await w.find('[data-testid="snake-step"]').trigger('click')
    expect(w.find('[data-testid="snake-outcome"]').text()).toContain('lost: moved up into the wall')
  })

  it('filters the list to the lost games and pauses with a drawn pause glyph', async () => {
    const w = mount(SnakeReplay, { props: { games: [won, died, won] } })
    expect(w.findAll('[data-testid="snake-pick"] option')).toHaveLength(3)
    await w.find('[data-testid="snake-only-lost"]').setValue(true)
    const options = w.findAll('[data-testid="snake-pick"] option')
    expect(options.map((o) => o.text())).toEqual([expect.stringContaining('Game 2 — ✘ lost')])
    await w.find('[data-testid="snake-play"]').trigger('click')
    const pause = w.find('[data-testid="snake-pause"]')
    expect(pause.find('svg rect').exists()).toBe(true)
    expect(pause.text()).toBe('Pause')
    w.unmount()
  })
})


describe('the verdict in plain words', () => {
  it('leads with the summary and never shows a raw metric key', async () => {
    const { default: VerdictCard } = await import('../src/exercises/VerdictCard.vue')
    const v = verdict({ status: 'failed', score: 0.55, summary: 'won 55% of 500 games', metrics: { win_rate: 0.55, ci_low: 0.506, ci_high: 0.593, games: 500 } })
    const exercise = { pass_bar: { metric: 'win_rate', at_least: 0.6 } } as unknown as Exercise
    const w = mount(VerdictCard, { props: { verdict: v, exercise, course: 'c' } })
    expect(w.find('[data-testid="verdict-summary"]').text()).toBe('Won 55% of 500 games (games won 55%, the bar is 60%)')
    for (const key of ['win_rate', 'ci_low', 'ci_high', 'cases_passed']) expect(w.text()).not.toContain(key)
    expect(w.find('dl.metrics').text()).toContain('95% interval, low end')
  })
})

describe('the verdict summary', () => {
  it('does not repeat the bar when the summary already states it', async () => {
    const { default: VerdictCard } = await import('../src/exercises/VerdictCard.vue')
    const v = verdict({ status: 'passed', score: 0.96, summary: 'test accuracy 96% (the bar is 90%)', metrics: { accuracy: 0.96 } })
    const exercise = { pass_bar: { metric: 'accuracy', at_least: 0.9 } } as unknown as Exercise
    const w = mount(VerdictCard, { props: { verdict: v, exercise, course: 'c' } })
    expect(w.find('[data-testid="verdict-summary"]').text()).toBe('Test accuracy 96% (the bar is 90%)')
  })

  it('labels each chart with its metric and latest figure apart', () => {
    const w = mount(TrainingChart, { props: { points: [{ x: 1, logs: { accuracy: 0.953 } }], epochs: 1 } })
    expect(w.find('figcaption').text()).toMatch(/^accuracy:\s0\.953/)
  })
})
