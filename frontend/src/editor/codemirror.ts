/** CodeMirror 6 set-up, in its own chunk: only pages with an editor load it. */
import { EditorView, basicSetup } from 'codemirror'
import { EditorState, Compartment, type Extension } from '@codemirror/state'
import { keymap } from '@codemirror/view'
import { indentWithTab } from '@codemirror/commands'
import { python } from '@codemirror/lang-python'
import { setDiagnostics, lintGutter, type Diagnostic } from '@codemirror/lint'

export interface LineProblem {
  line: number
  message: string
}

export interface EditorHandle {
  view: EditorView
  setValue(text: string): void
  setProblems(problems: LineProblem[]): void
  goToLine(line: number): void
  destroy(): void
}

export function createEditor(opts: {
  parent: HTMLElement
  doc: string
  language: 'python' | 'text'
  label: string
  readOnly?: boolean
  onChange: (text: string) => void
}): EditorHandle {
  const readOnly = new Compartment()
  const extensions: Extension[] = [
    basicSetup,
    // Tab indents; Escape then Tab leaves the editor (CodeMirror's documented keyboard escape hatch).
    keymap.of([indentWithTab]),
    lintGutter(),
    readOnly.of(EditorState.readOnly.of(!!opts.readOnly)),
    EditorView.contentAttributes.of({ 'aria-label': opts.label }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) opts.onChange(u.state.doc.toString())
    }),
  ]
  if (opts.language === 'python') extensions.push(python())
  else extensions.push(EditorView.lineWrapping) // prose (Markdown, YAML) wraps; code scrolls
  const view = new EditorView({ parent: opts.parent, state: EditorState.create({ doc: opts.doc, extensions }) })

  return {
    view,
    setValue(text) {
      if (text === view.state.doc.toString()) return
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } })
    },
    setProblems(problems) {
      const doc = view.state.doc
      const diagnostics: Diagnostic[] = problems.map((p) => {
        const line = doc.line(Math.min(Math.max(1, p.line || 1), doc.lines))
        return { from: line.from, to: line.to, severity: 'error', message: p.message }
      })
      view.dispatch(setDiagnostics(view.state, diagnostics))
    },
    goToLine(n) {
      const doc = view.state.doc
      const line = doc.line(Math.min(Math.max(1, n), doc.lines))
      view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true })
      view.focus()
    },
    destroy() {
      view.destroy()
    },
  }
}
