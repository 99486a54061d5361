/** The pass bar and limits in plain words, for the exercise page (never a raw metric key). */

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`

/** "Pass every hidden test case.", "Reach a test accuracy of at least 90%." ... */
export function barInWords(metric: string, atLeast: number): string {
  switch (metric) {
    case 'cases_passed':
      return atLeast >= 1 ? 'Pass every hidden test case.' : `Pass at least ${pct(atLeast)} of the hidden test cases.`
    case 'accuracy':
      return `Reach an accuracy of at least ${pct(atLeast)} on hidden test images (a fresh view of the test set at each submission).`
    case 'win_rate':
      return `Win at least ${pct(atLeast)} of the evaluation games.`
    case 'score':
      return `Score at least ${atLeast <= 1 ? pct(atLeast) : atLeast}.`
    default:
      return `Reach a ${metric.replace(/_/g, ' ')} of at least ${atLeast}.`
  }
}

/** 150 -> "2 min 30 s", 45 -> "45 s". */
export function seconds(s: number): string {
  const whole = Math.max(0, Math.round(s))
  if (whole < 60) return `${whole} s`
  const m = Math.floor(whole / 60)
  const rest = whole % 60
  return rest ? `${m} min ${rest} s` : `${m} min`
}

/** 3072 -> "3 GB", 512 -> "512 MB". */
export function megabytes(mb: number): string {
  return mb >= 1024 && mb % 1024 === 0 ? `${mb / 1024} GB` : mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${mb} MB`
}

const METRIC_WORDS: Record<string, string> = {
  accuracy: 'accuracy',
  cases_passed: 'hidden cases passed',
  checks_passed: 'public checks passed',
  win_rate: 'games won',
  ci_low: '95% interval, low end',
  ci_high: '95% interval, high end',
  games: 'games played',
  train_s: 'training time (s)',
  score: 'score',
}
/** A metric key in words ("win_rate" -> "games won"); an unknown key with its underscores as spaces. */
export function metricInWords(key: string): string {
  return METRIC_WORDS[key] ?? key.replace(/_/g, ' ')
}
/** Shares (accuracy, rates, intervals) as percentages; counts and times as numbers. */
export function metricValue(key: string, value: number): string {
  const share = ['accuracy', 'cases_passed', 'checks_passed', 'win_rate', 'ci_low', 'ci_high', 'score'].includes(key)
  return share && value >= 0 && value <= 1 ? pct(value) : String(Math.round(value * 1000) / 1000)
}
