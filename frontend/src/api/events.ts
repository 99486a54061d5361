/**
 * Server-Sent Events of a run or a submission. Their types are generated from the OpenAPI schema
 * (`RunEvent`, a union told apart by `type`; the last event by `kind`), never written by hand.
 */
import type { components } from './schema'
import type { RunResult, Verdict } from './types'

type S = components['schemas']
export type RunEvent = S['RunEvent']
export type VerdictEvent = S['VerdictEvent']
export type RunResultEvent = S['RunResultEvent']
/** The last event of a stream: a graded verdict (kind "verdict") or a cell's run result (kind "run"). */
export type EndEvent = VerdictEvent | RunResultEvent
/** What a stream ends with, as the page keeps it. */
export type Outcome = Verdict | RunResult

// Every event type of the schema, listed once: the compiler names a type the schema adds.
const EVENT_NAMES: Record<RunEvent['type'], true> = {
  stdout: true,
  stderr: true,
  figure: true,
  progress: true,
  'output-limit': true,
  queued: true,
  started: true,
  verdict: true,
}
export const EVENT_TYPES = Object.keys(EVENT_NAMES) as RunEvent['type'][]

/** The outcome an end event carries, without the event's own `type`. */
export function outcomeOf(event: EndEvent): Outcome {
  const { type: _type, ...outcome } = event
  return outcome as Outcome
}

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
    if (done) return
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(msg.data)
    } catch {
      return
    }
    if (!parsed || typeof parsed !== 'object') return
    if (!parsed.type && name !== 'message') parsed.type = name
    if (!(EVENT_TYPES as string[]).includes(String(parsed.type))) return // a newer server's event
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
