export function percent(x: number | null | undefined): string {
  return x == null ? '—' : `${Math.round(x * 1000) / 10}%`
}

export function number(x: number | null | undefined, digits = 3): string {
  if (x == null || Number.isNaN(x)) return '—'
  return Number.isInteger(x) ? String(x) : x.toFixed(digits)
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString()
}

/** Progress from the API as a 0..1 fraction, whether it came as a number or as counts. */
export function progressFraction(p: unknown): number | null {
  if (p == null) return null
  if (typeof p === 'number') return p > 1 ? p / 100 : p
  const o = p as Record<string, number | undefined>
  if (typeof o.percent === 'number') return o.percent / 100 // the API sends 0..100
  const done = (o.lessons_read ?? 0) + (o.exercises_passed ?? 0)
  const total = (o.lessons_total ?? 0) + (o.exercises_total ?? 0)
  return total > 0 ? done / total : null
}
