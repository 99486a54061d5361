/** Who is logged in. Loaded once at start; cleared on any 401. */
import { reactive } from 'vue'
import { unauthorizedListeners } from '../api/client'
import { ApiError } from '../api/errors'
import * as accounts from './api'

export const session = reactive<{ user: accounts.User | null; loaded: boolean }>({ user: null, loaded: false })

unauthorizedListeners.add(() => {
  session.user = null
})

let loading: Promise<void> | null = null

export function loadSession(force = false): Promise<void> {
  if (loading && !force) return loading
  loading = accounts
    .me()
    .then((u) => {
      session.user = u
    })
    .catch((err) => {
      session.user = null
      if (!(err instanceof ApiError && err.status === 401)) throw err
    })
    .finally(() => {
      session.loaded = true
    })
  return loading
}

export function isInstructor(): boolean {
  return session.user?.role === 'instructor' || session.user?.role === 'admin'
}
