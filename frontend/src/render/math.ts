/** markdown-it plugin: `$...$` inline and `$$...$$` display math rendered by KaTeX (errors inline). */
import katex from 'katex'
import type { MarkdownIt, StateBlock, StateInline } from 'markdown-it'

// Formulas rarely change between two keystrokes of the live preview: cache their HTML.
const cache = new Map<string, string>()
const CACHE_LIMIT = 4000

export function renderTex(tex: string, displayMode: boolean): string {
  const key = (displayMode ? 'D' : 'I') + tex
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const html = katex.renderToString(tex, {
    displayMode,
    throwOnError: false,
    errorColor: '#b00020',
    strict: 'ignore',
    trust: false,
    maxExpand: 1000,
    maxSize: 20,
  })
  if (cache.size >= CACHE_LIMIT) cache.clear()
  cache.set(key, html)
  return html
}

function isWhitespace(ch: number): boolean {
  return ch === 0x20 || ch === 0x09 || ch === 0x0a
}

function mathInline(state: StateInline, silent: boolean): boolean {
  const src = state.src
  const start = state.pos
  if (src.charCodeAt(start) !== 0x24 /* $ */) return false
  const display = src.charCodeAt(start + 1) === 0x24
  const open = display ? 2 : 1
  if (!display && isWhitespace(src.charCodeAt(start + 1))) return false
  let pos = start + open
  while (pos < state.posMax) {
    const ch = src.charCodeAt(pos)
    if (ch === 0x5c /* \ */) {
      pos += 2
      continue
    }
    if (ch === 0x24) {
      if (display) {
        if (src.charCodeAt(pos + 1) === 0x24) break
      } else {
        const next = src.charCodeAt(pos + 1)
        // "$5 and $6" is money, not math: a closing $ is not preceded by a space nor followed by a digit.
        if (!isWhitespace(src.charCodeAt(pos - 1)) && !(next >= 0x30 && next <= 0x39)) break
      }
    }
    pos++
  }
  if (pos >= state.posMax) return false
  const content = src.slice(start + open, pos)
  if (!content.trim()) return false
  if (!silent) {
    const token = state.push(display ? 'math_display_inline' : 'math_inline', 'math', 0)
    token.content = content
    token.markup = display ? '$$' : '$'
  }
  state.pos = pos + open
  return true
}

function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  let pos = state.bMarks[startLine] + state.tShift[startLine]
  let max = state.eMarks[startLine]
  if (state.sCount[startLine] - state.blkIndent >= 4) return false
  if (pos + 2 > max || state.src.slice(pos, pos + 2) !== '$$') return false
  pos += 2
  let firstLine = state.src.slice(pos, max)
  if (silent) return true
  let found = false
  let lastLine = ''
  let next = startLine
  if (firstLine.trim().endsWith('$$') && firstLine.trim().length >= 2) {
    firstLine = firstLine.trim().slice(0, -2)
    found = true
  }
  while (!found) {
    next++
    if (next >= endLine) break
    pos = state.bMarks[next] + state.tShift[next]
    max = state.eMarks[next]
    if (pos < max && state.sCount[next] < state.blkIndent) break
    const line = state.src.slice(pos, max).trim()
    if (line.endsWith('$$')) {
      lastLine = line.slice(0, -2)
      found = true
    }
  }
  if (!found) return false // an unclosed $$ stays text; the server's validator names the line
  state.line = next + 1
  const token = state.push('math_block', 'math', 0)
  token.block = true
  token.content =
    (firstLine.trim() ? firstLine + '\n' : '') +
    state.getLines(startLine + 1, next, state.tShift[startLine], true) +
    (lastLine.trim() ? lastLine : '')
  token.map = [startLine, state.line]
  token.markup = '$$'
  return true
}

export function mathPlugin(md: MarkdownIt): void {
  md.inline.ruler.after('escape', 'math_inline', mathInline)
  md.block.ruler.after('blockquote', 'math_block', mathBlock, {
    alt: ['paragraph', 'reference', 'blockquote', 'list'],
  })
  md.renderer.rules.math_inline = (tokens, idx) => renderTex(tokens[idx].content, false)
  md.renderer.rules.math_display_inline = (tokens, idx) => renderTex(tokens[idx].content, true)
  // A formula wider than the screen scrolls in its box: focusable, so a keyboard can scroll it.
  md.renderer.rules.math_block = (tokens, idx) =>
    `<div class="math-block" tabindex="0">${renderTex(tokens[idx].content, true)}</div>\n`
}
