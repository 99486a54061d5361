/**
 * One lesson's live session as the page sees it, shared by the lesson's cells and its session
 * bar (cells are mounted into the rendered Markdown apart from the page, so they meet here, by
 * course and lesson, not through provide/inject).
 */
import { reactive } from 'vue'
import { ApiError } from '../api/errors'
import * as sessions from './api'

export interface SessionStore {
  course: string
  lesson: string
  data: sessions.LessonSession | null
  /** Why the session could not be read (not logged in, offline...). */
  error: string | null
  /** Cells running now, by index. */
  running: number[]
  /** A message for one cell (a prerequisite not run, a refused run), by index. */
  messages: Record<number, string>
  restarting: boolean
  /** The running cell as far as it got (asked for while a cell runs). */
  live: sessions.RunningCell | null
}

const POLL_MS = 700
const stores = new Map<string, SessionStore>()
const loads = new Map<string, Promise<void>>()

export function lessonSession(course: string, lesson: string): SessionStore {
  const key = `${course}/${lesson}`
  let store = stores.get(key)
  if (!store) {
    store = reactive<SessionStore>({ course, lesson, data: null, error: null, running: [], messages: {}, restarting: false, live: null })
    stores.set(key, store)
  }
  return store
}

/** Loads (once, unless `force`) the learner's session and cells of the lesson. */
export function loadSession(store: SessionStore, force = false): Promise<void> {
  const key = `${store.course}/${store.lesson}`
  const pending = loads.get(key)
  if (pending && !force) return pending
  const p = sessions
    .getSession(store.course, store.lesson)
    .then((data) => {
      store.data = data
      store.error = null
    })
    .catch((err: unknown) => {
      store.error = err instanceof Error ? err.message : String(err)
    })
  loads.set(key, p)
  return p
}

function applyState(store: SessionStore, state: sessions.SessionState) {
  const data = store.data
  if (!data) return
  const fresh = state.live && data.started_at !== state.started_at
  Object.assign(data, state)
  // a new session, or none: what earlier cells made is gone from it
  if (fresh || !state.live) for (const c of data.cells) c.in_session = false
}

export async function runCell(store: SessionStore, index: number, code: string): Promise<void> {
  if (store.running.includes(index)) return
  store.running.push(index)
  delete store.messages[index]
  // while it runs, ask what it printed so far (and how far its training got)
  const poll = setInterval(() => {
    sessions
      .getRunning(store.course, store.lesson)
      .then((live) => {
        if (store.running.includes(index)) store.live = live.index === index ? live : store.live
      })
      .catch(() => {})
  }, POLL_MS)
  try {
    const result = await sessions.runCell(store.course, store.lesson, index, code)
    if (!store.data) await loadSession(store, true)
    applyState(store, result.session)
    if (store.data) store.data.cells[index] = result.cell
  } catch (err) {
    store.messages[index] = err instanceof Error ? err.message : String(err)
    if (err instanceof ApiError && err.status === 503) await loadSession(store, true)
  } finally {
    clearInterval(poll)
    if (store.live?.index === index) store.live = null
    store.running = store.running.filter((i) => i !== index)
  }
}

export async function restart(store: SessionStore): Promise<void> {
  store.restarting = true
  try {
    store.data = await sessions.restartSession(store.course, store.lesson)
    store.messages = {}
  } finally {
    store.restarting = false
  }
}

const saving = new Map<string, ReturnType<typeof setTimeout>>()

/** Keeps an edit on the server a moment after the learner stops typing. */
export function saveSoon(store: SessionStore, index: number, code: string | null, delayMs = 800) {
  const key = `${store.course}/${store.lesson}/${index}`
  clearTimeout(saving.get(key))
  saving.set(
    key,
    setTimeout(() => {
      saving.delete(key)
      sessions.saveCell(store.course, store.lesson, index, code).catch(() => {
        /* a lost edit is kept with the next run; nothing to tell the learner */
      })
    }, delayMs),
  )
}
