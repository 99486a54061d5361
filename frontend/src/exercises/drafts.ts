/** Drafts of exercise code, kept in localStorage as the learner types (per user and exercise). */

const PREFIX = 'feynlab:draft:'

export function draftKey(user: string | number | undefined, course: string, exercise: string): string {
  return `${PREFIX}${user ?? 'anon'}:${course}/${exercise}`
}

export function loadDraft(key: string): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null
  }
}

export function saveDraft(key: string, code: string): void {
  try {
    localStorage.setItem(key, code)
  } catch {
    // Storage full or disabled: drafts are a convenience, the editor keeps working.
  }
}

export function clearDraft(key: string): void {
  try {
    localStorage.removeItem(key)
  } catch {
    /* ignore */
  }
}
