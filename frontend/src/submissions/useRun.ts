/** The live state of one run or submission, fed by its event stream. */
import { reactive } from 'vue'
import { outcomeOf, type EventStreamHandlers, type Outcome, type RunEvent } from '../api/events'
import type { Accepted } from '../api/types'
import { messageOf } from '../api/errors'

export interface OutputChunk {
  stream: 'stdout' | 'stderr'
  text: string
}

export interface ProgressPoint {
  x: number
  logs: Record<string, number>
}

const OUTPUT_CAP = 200_000 // characters kept in the page; the server caps what it sends

export function useRun() {
  const state = reactive({
    phase: 'idle' as 'idle' | 'starting' | 'queued' | 'running' | 'done' | 'failed',
    position: null as number | null,
    /** 2, 3... when the queue runs it again after a fault on our side. */
    attempt: null as number | null,
    output: [] as OutputChunk[],
    outputSize: 0,
    outputLimit: null as number | null,
    figures: [] as { src: string; width?: number; height?: number }[],
    progress: [] as ProgressPoint[],
    epochs: null as number | null,
    /** The epoch training is in (1 for the first) and the batch within it, from progress events. */
    epoch: null as number | null,
    batch: null as number | null,
    batches: null as number | null,
    /** The stream's last event: a Verdict (kind "verdict") or a cell's RunResult (kind "run"). */
    verdict: null as Outcome | null,
    error: null as string | null,
    /** When the run started running (Date.now()), and when its result came: the elapsed time. */
    startedAt: null as number | null,
    finishedAt: null as number | null,
  })
  let close: (() => void) | null = null
  // A second `fit` (or an attempt run again) starts at epoch 1 again: its points continue after
  // the last one instead of drawing the line back to the start.
  let xOffset = 0

  function reset() {
    close?.()
    close = null
    Object.assign(state, {
      phase: 'starting', position: null, attempt: null, output: [], outputSize: 0, outputLimit: null,
      figures: [], progress: [], epochs: null, epoch: null, batch: null, batches: null,
      verdict: null, error: null, startedAt: null, finishedAt: null,
    })
    xOffset = 0
  }

  function onEvent(e: RunEvent) {
    switch (e.type) {
      case 'queued':
        state.phase = 'queued'
        state.position = e.position
        break
      case 'started':
        state.phase = 'running'
        state.attempt = e.attempt ?? null
        state.startedAt = Date.now()
        if ((e.attempt ?? 1) > 1) { // run again from the start after a fault on our side
          state.progress = []
          xOffset = 0
        }
        break
      case 'stdout':
      case 'stderr': {
        if (state.phase !== 'running') state.phase = 'running'
        const last = state.output[state.output.length - 1]
        if (last && last.stream === e.type) last.text += e.text
        else state.output.push({ stream: e.type, text: e.text })
        state.outputSize += e.text.length
        while (state.outputSize > OUTPUT_CAP && state.output.length > 1) {
          state.outputSize -= state.output.shift()!.text.length
        }
        break
      }
      case 'figure':
        state.figures.push({ src: `data:image/${e.format || 'png'};base64,${e.data}`, width: e.width, height: e.height })
        break
      case 'progress': {
        // `epoch` is 1 for the first epoch: within it (a batch) x runs from 0 to 1, and its end
        // is x = 1, so the line never goes back. A figure that was not finite (a diverging loss)
        // comes as null: the chart skips that point.
        state.epochs = e.epochs ?? state.epochs
        state.epoch = e.epoch
        state.batch = e.batch ?? null
        state.batches = e.batches ?? null
        const logs: Record<string, number> = {}
        for (const [k, v] of Object.entries(e.logs ?? {})) if (typeof v === 'number') logs[k] = v
        let x = e.batch != null && e.batches ? e.epoch - 1 + e.batch / e.batches : e.epoch
        const last = state.progress[state.progress.length - 1]
        if (last && x + xOffset < last.x - 1e-9) xOffset = last.x - (e.epoch - 1)
        x += xOffset
        state.progress.push({ x, logs })
        break
      }
      case 'output-limit':
        state.outputLimit = e.limit_bytes
        break
      case 'verdict':
        state.verdict = outcomeOf(e)
        state.phase = 'done'
        state.finishedAt = Date.now()
        break
    }
  }

  /** Starts a run: `create` asks the API for it, `stream` opens its events. */
  async function start(
    create: () => Promise<Accepted>,
    stream: (accepted: Accepted, h: EventStreamHandlers) => () => void,
  ): Promise<number | null> {
    reset()
    try {
      const accepted = await create()
      const id = accepted.id
      close = stream(accepted, {
        onEvent,
        onError: (message) => {
          state.error = message
          state.phase = 'failed'
        },
      })
      return id
    } catch (err) {
      state.error = messageOf(err)
      state.phase = 'failed'
      return null
    }
  }

  function stop() {
    close?.()
    close = null
  }

  return { state, start, stop, onEvent }
}

export type RunState = ReturnType<typeof useRun>['state']
