/** Messages for the user: every API error ends up here or in a page's own banner. */
import { reactive } from 'vue'
import { messageOf } from '../api/errors'

export interface Toast {
  id: number
  kind: 'error' | 'info' | 'success'
  text: string
}

export const toasts = reactive<Toast[]>([])
let next = 1

export function notify(text: string, kind: Toast['kind'] = 'info', ms = 6000): void {
  const id = next++
  toasts.push({ id, kind, text })
  if (ms > 0) setTimeout(() => dismiss(id), kind === 'error' ? ms * 2 : ms)
}

export function notifyError(err: unknown): void {
  notify(messageOf(err), 'error')
}

export function dismiss(id: number): void {
  const i = toasts.findIndex((t) => t.id === id)
  if (i >= 0) toasts.splice(i, 1)
}
