/** Outcomes as the API sends them (every field the generated schema says is always there). */
import type { RunResultEvent, VerdictEvent } from '../src/api/events'

type VerdictOut = Omit<VerdictEvent, 'type'>
type RunResultOut = Omit<RunResultEvent, 'type'>

export function verdict(over: Partial<VerdictOut> = {}): VerdictOut {
  return {
    kind: 'verdict', status: 'failed', fault: 'learner', score: null, metrics: {}, feedback: '', output: '',
    error: null, error_line: null, summary: '', duration_s: 1.5, resources: { cpu_s: 1, max_rss_mb: 50 }, seed: 7, artifacts: {}, staff: null,
    ...over,
  }
}

export function runResult(over: Partial<RunResultOut> = {}): RunResultOut {
  return {
    kind: 'run', status: 'ok', fault: 'learner', output: '', error: null, error_line: null, duration_s: 0.2,
    resources: { cpu_s: 0.1, max_rss_mb: 40 }, seed: 1, first_output_s: null,
    ...over,
  }
}
