import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import { useRun } from '../src/submissions/useRun'
import TrainingChart from '../src/exercises/TrainingChart.vue'
import SnakeReplay from '../src/exercises/SnakeReplay.vue'
import { errorFromBody } from '../src/api/errors'
import { verdict } from './fixtures'

describe('run events', () => {
  it('follows a run from the queue to its verdict', () => {
    const { state, onEvent } = useRun()
    onEvent({ type: 'queued', position: 3 })
    expect(state.phase).toBe('queued')
    expect(state.position).toBe(3)
    onEvent({ type: 'started', attempt: null })
    onEvent({ type: 'stdout', text: 'a' })
    onEvent({ type: 'stdout', text: 'b\n' })
    onEvent({ type: 'stderr', text: 'warn\n' })
    onEvent({ type: 'figure', format: 'png', data: 'AAAA', width: 10, height: 10 })
    onEvent({ type: 'progress', epoch: 1, epochs: 2, batch: null, batches: null, logs: { loss: 0.5, accuracy: 0.8, val_loss: null } })
    onEvent({ type: 'output-limit', limit_bytes: 65536 })
    onEvent({ type: 'verdict', ...verdict({ status: 'failed', score: 0.8, metrics: { accuracy: 0.8 } }) })
    expect(state.output).toEqual([{ stream: 'stdout', text: 'ab\n' }, { stream: 'stderr', text: 'warn\n' }])
    expect(state.figures[0].src).toBe('data:image/png;base64,AAAA')
    expect(state.progress).toEqual([{ x: 1, logs: { loss: 0.5, accuracy: 0.8 } }])
    expect(state.outputLimit).toBe(65536)
    expect(state.phase).toBe('done')
    expect(state.verdict).toEqual(verdict({ status: 'failed', score: 0.8, metrics: { accuracy: 0.8 } }))
  })
})

describe('training curves', () => {
  it('draws one chart per metric with training and validation lines', () => {
    const points = [1, 2, 3].map((e) => ({ x: e, logs: { loss: 1 / e, val_loss: 1.2 / e, accuracy: 0.5 + e / 10 } }))
    const w = mount(TrainingChart, { props: { points, epochs: 5 } })
    const charts = w.findAll('figure.chart')
    expect(charts.map((c) => c.find('strong').text())).toEqual(['loss', 'accuracy'])
    expect(charts[0].findAll('path.series')).toHaveLength(2)
    expect(charts[1].findAll('path.series')).toHaveLength(1)
    expect(charts[0].find('svg').attributes('aria-label')).toContain('latest 0.333')
  })
})

describe('snake replay', () => {
  const game = (won: boolean) => ({
    size: 2,
    frames: [[[1, -1], [0, 0]], [[2, 1], [0, -1]], [1, 2, 3, 4]],
    actions: [1, 2],
    won,
  })
  it('steps through frames, marks wins and losses and picks a game', async () => {
    const w = mount(SnakeReplay, { props: { games: [game(true), game(false)] } })
    expect(w.text()).toContain('1 won, 1 lost of 2 games')
    const status = () => w.find('[data-testid="snake-status"]').text().replace(/\s+/g, ' ')
    expect(status()).toContain('Game 1 · step 1 / 3')
    await w.find('[data-testid="snake-step"]').trigger('click')
    expect(status()).toContain('step 2 / 3 · moved right')
    await w.find('[data-testid="snake-step"]').trigger('click')
    expect(status()).toContain('won')
    await w.find('canvas').trigger('keydown', { key: 'ArrowLeft' })
    expect(status()).toContain('step 2 / 3')
    const options = w.findAll('[data-testid="snake-pick"] option')
    expect(options.map((o) => o.text())).toEqual(['Game 1 — ✔ won (3 steps)', 'Game 2 — ✘ lost (3 steps)'])
    await w.find('[data-testid="snake-pick"]').setValue(1)
    await nextTick()
    expect(status()).toContain('Game 2 · step 1 / 3')
  })
})

describe('API errors', () => {
  it('turns FastAPI errors into readable messages', () => {
    expect(errorFromBody(409, { detail: 'That email is taken.', code: 'conflict' }).message).toBe('That email is taken.')
    expect(errorFromBody(422, { detail: [{ loc: ['body', 'password'], msg: 'too short' }] }).message).toBe('password: too short')
    const fmt = errorFromBody(422, { detail: [{ file: 'lessons/a.md', line: 4, message: 'unknown key' }] })
    expect(fmt.formatErrors).toEqual([{ file: 'lessons/a.md', line: 4, message: 'unknown key' }])
    expect(fmt.message).toBe('lessons/a.md:4: unknown key')
    expect(errorFromBody(500, '<html>').message).toMatch(/server had a problem/)
  })
})
