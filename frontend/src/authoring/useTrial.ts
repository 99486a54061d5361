/**
 * An author trying an exercise: the reference solution and the starter are graded like two
 * submissions (never counted). The route answers at once; each grading's event stream is followed
 * like a learner's, and once its verdict arrives the submission is read again for what only staff
 * see (the stream carries the learner's view: no grader traceback).
 */
import { computed, reactive, watch } from 'vue'
import { useRun } from '../submissions/useRun'
import * as subs from '../submissions/api'
import { tryExercise } from './api'
import { messageOf } from '../api/errors'
import type { Verdict } from '../api/types'

export type TrialPart = 'solution' | 'starter'
export const TRIAL_PARTS: readonly TrialPart[] = ['solution', 'starter']

export function useTrial() {
  const runs: Record<TrialPart, ReturnType<typeof useRun>> = { solution: useRun(), starter: useRun() }
  const state = reactive({
    started: false,
    posting: false,
    error: null as string | null,
    ids: { solution: null, starter: null } as Record<TrialPart, number | null>,
    /** The verdict as staff read it (GET /api/submissions/{id}), once the stream has ended. */
    staffVerdicts: { solution: null, starter: null } as Record<TrialPart, Verdict | null>,
  })
  let seq = 0

  /** The verdict of one part: the staff view when read, else the streamed one; null while grading. */
  function verdictOf(part: TrialPart): Verdict | null {
    const streamed = runs[part].state.verdict
    return state.staffVerdicts[part] ?? (streamed && streamed.kind !== 'run' ? streamed : null)
  }

  const busy = computed(
    () => state.posting || TRIAL_PARTS.some((p) => ['starting', 'queued', 'running'].includes(runs[p].state.phase)),
  )

  for (const part of TRIAL_PARTS) {
    watch(
      () => runs[part].state.verdict,
      async (streamed) => {
        const id = state.ids[part]
        const mine = seq
        if (!streamed || id == null) return
        try {
          const full = await subs.getSubmission(id)
          if (mine === seq && full.verdict) state.staffVerdicts[part] = full.verdict
        } catch {
          // The streamed verdict stays on the page; only the staff details are missing.
        }
      },
    )
  }

  function stop() {
    for (const part of TRIAL_PARTS) runs[part].stop()
  }

  /** Queues both gradings and follows them. Resolves once both streams are open. */
  async function start(course: string, exercise: string): Promise<void> {
    const mine = ++seq
    stop()
    Object.assign(state, {
      started: true,
      posting: true,
      error: null,
      ids: { solution: null, starter: null },
      staffVerdicts: { solution: null, starter: null },
    })
    try {
      const trial = await tryExercise(course, exercise)
      if (mine !== seq) return
      await Promise.all(
        TRIAL_PARTS.map(async (part) => {
          state.ids[part] = trial[part].id
          await runs[part].start(async () => trial[part], subs.events)
        }),
      )
    } catch (err) {
      if (mine === seq) state.error = messageOf(err)
    } finally {
      if (mine === seq) state.posting = false
    }
  }

  return { runs, state, verdictOf, busy, start, stop }
}

export type Trial = ReturnType<typeof useTrial>
