/** Server-Sent Events of a run or a submission (types in docs/dev-guide.md, "run events"). */
import type { SnakeGame } from './types'

/**
 * The last event of a stream: a graded verdict (passed, failed, ...) or a cell's run result
 * (ok, error, ...). SSE payloads are not in the OpenAPI schema, so this mirrors the `Verdict` and
 * `RunResult` schemas by hand, every field but `status` optional.
 */
export interface Verdict {
  status: string
  score?: number | null
  metrics?: Record<string, unknown>
  feedback?: string | null
  output?: string | null
  error?: string | null
  duration_s?: number | null
  seed?: number | null
  resources?: Record<string, unknown>
  artifacts?: { snake_games?: SnakeGame[] } & Record<string, unknown>
}

export type RunEvent =
  | { type: 'stdout' | 'stderr'; text: string }
  | { type: 'figure'; format: string; data: string; width?: number; height?: number }
  | { type: 'progress'; epoch: number; epochs?: number | null; batch?: number | null; batches?: number | null; logs: Record<string, number> }
  | { type: 'output-limit'; limit_bytes: number }
  | { type: 'queued'; position: number }
  | { type: 'started' }
  | ({ type: 'verdict' } & Verdict)

export const EVENT_TYPES = ['stdout', 'stderr', 'figure', 'progress', 'output-limit', 'queued', 'started', 'verdict'] as const

export interface EventStreamHandlers {
  onEvent: (event: RunEvent) => void
  /** The connection dropped for good (the browser retries transient drops by itself). */
  onError: (message: string) => void
}

/**
 * Opens an EventSource; accepts both unnamed events (`data: {"type": ...}`) and named ones
 * (`event: stdout`). Closes itself after the verdict. Returns a function that closes it.
 */
export function openEventStream(url: string, handlers: EventStreamHandlers): () => void {
  const source = new EventSource(url, { withCredentials: true })
  let done = false
  const close = () => {
    done = true
    source.close()
  }
  const handle = (name: string) => (msg: MessageEvent) => {
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(msg.data)
    } catch {
      return
    }
    if (!parsed.type && name !== 'message') parsed.type = name
    handlers.onEvent(parsed as RunEvent)
    if (parsed.type === 'verdict') close()
  }
  source.onmessage = handle('message')
  for (const t of EVENT_TYPES) source.addEventListener(t, handle(t) as EventListener)
  source.onerror = () => {
    if (done) return
    if (source.readyState === EventSource.CLOSED) {
      done = true
      handlers.onError('The live connection to the server was lost. Reload the page to see the result.')
    }
  }
  return close
}
