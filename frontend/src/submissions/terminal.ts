/**
 * Program output as a terminal shows it: a carriage return goes back to the start of the line
 * (Keras's progress bar redraws itself that way), a backspace one column back, ANSI colour and
 * bold codes (SGR) style the text, "erase line" (ESC [ K) clears the rest of it; other control
 * sequences are dropped. The output arrives in chunks that may cut a sequence in two.
 */
import type { OutputChunk } from './useRun'

export interface Segment {
  text: string
  /** CSS classes: the stream (stdout / stderr) and the ANSI styles (ansi-bold, ansi-fg-2...). */
  cls: string
}

interface Cell {
  ch: string
  cls: string
}

const SGR_FG: Record<number, string> = {
  30: 'ansi-fg-0', 31: 'ansi-fg-1', 32: 'ansi-fg-2', 33: 'ansi-fg-3',
  34: 'ansi-fg-4', 35: 'ansi-fg-5', 36: 'ansi-fg-6', 37: 'ansi-fg-7',
  90: 'ansi-fg-0', 91: 'ansi-fg-1', 92: 'ansi-fg-2', 93: 'ansi-fg-3',
  94: 'ansi-fg-4', 95: 'ansi-fg-5', 96: 'ansi-fg-6', 97: 'ansi-fg-7',
}
// eslint-disable-next-line no-control-regex
const CSI = /^\x1b\[([0-9;?]*)([@-~])/

/** Turns output chunks into lines of styled segments; keeps at most `maxLines` last lines. */
export function renderTerminal(chunks: OutputChunk[], maxLines = 5000): Segment[][] {
  const lines: Cell[][] = [[]]
  let col = 0
  let bold = false
  let dim = false
  let fg = ''
  for (const chunk of chunks) {
    const text = chunk.text
    let i = 0
    while (i < text.length) {
      const ch = text[i]
      if (ch === '\x1b') {
        const m = CSI.exec(text.slice(i, i + 32))
        if (!m) {
          i += text[i + 1] === '[' ? 2 : 1 // an unknown or cut sequence: drop the escape
          continue
        }
        const [all, params, op] = m
        if (op === 'm') {
          for (const p of (params || '0').split(';').map((x) => Number(x || '0'))) {
            if (p === 0) { bold = false; dim = false; fg = '' }
            else if (p === 1) bold = true
            else if (p === 2) dim = true
            else if (p === 22) { bold = false; dim = false }
            else if (p === 39) fg = ''
            else if (SGR_FG[p]) fg = SGR_FG[p]
          }
        } else if (op === 'K') {
          const line = lines[lines.length - 1]
          if (params === '' || params === '0') line.length = Math.min(line.length, col)
          else if (params === '2') { line.length = 0 }
        }
        i += all.length
        continue
      }
      if (ch === '\n') {
        lines.push([])
        col = 0
      } else if (ch === '\r') {
        col = 0
      } else if (ch === '\b') {
        col = Math.max(0, col - 1)
      } else {
        const line = lines[lines.length - 1]
        const cls = [chunk.stream, bold ? 'ansi-bold' : '', dim ? 'ansi-dim' : '', fg].filter(Boolean).join(' ')
        while (line.length < col) line.push({ ch: ' ', cls: chunk.stream })
        line[col] = { ch, cls }
        col++
      }
      i++
    }
    if (lines.length > maxLines * 2) lines.splice(0, lines.length - maxLines)
  }
  // A carriage return followed by a shorter redraw leaves the old tail: a terminal shows it too,
  // but Keras pads its bar, so nothing is cut here.
  const kept = lines.length > maxLines ? lines.slice(lines.length - maxLines) : lines
  return kept.map((cells) => {
    const out: Segment[] = []
    for (const c of cells) {
      const last = out[out.length - 1]
      if (last && last.cls === c.cls) last.text += c.ch
      else out.push({ text: c.ch, cls: c.cls })
    }
    return out
  })
}
