/** Syntax highlighting: highlight.js core with Python only (kept small on purpose). */
import hljs from 'highlight.js/lib/core'
import python from 'highlight.js/lib/languages/python'

hljs.registerLanguage('python', python)

const PYTHON = new Set(['python', 'py', 'python3'])

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

export function highlightCode(code: string, lang: string): string {
  if (PYTHON.has(lang)) return hljs.highlight(code, { language: 'python', ignoreIllegals: true }).value
  return escapeHtml(code)
}

export function isPython(lang: string): boolean {
  return PYTHON.has(lang)
}
