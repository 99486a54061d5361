import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import RenderedMarkdown from '../src/render/RenderedMarkdown.vue'
import CodeEditor from '../src/editor/CodeEditor.vue'
import { session } from '../src/accounts/session'

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

async function until(cond: () => boolean, ms = 2000) {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
    await flushPromises()
  }
}

afterEach(() => {
  vi.restoreAllMocks()
  document.cookie = 'feynlab_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT'
})

describe('lesson reader', () => {
  // A signed-in learner (anonymous readers get a sign-up note instead of the quiz's button).
  beforeEach(() => {
    session.user = { id: 1, email: 'l@example.org', name: 'L', role: 'learner' } as typeof session.user
  })
  afterEach(() => {
    session.user = null
  })

  it('mounts a Run button on each python cell and a quiz on each placeholder', async () => {
    const src = 'Intro $x^2$\n\n```python\nprint(1)\n```\n\n<div data-quiz="q1"></div>\n'
    const quizzes = [{ id: 'q1', question: 'Pick one', type: 'single' as const, choices: ['a', 'b'] }]
    const w = mount(RenderedMarkdown, { props: { source: src, course: 'c', lesson: 'l', quizzes }, attachTo: document.body })
    await until(() => w.findAll('button').length >= 2)
    expect(w.find('.code-cell button').text()).toContain('Run')
    expect(w.find('[data-quiz="q1"] legend').text()).toContain('Pick one')
    expect(w.findAll('[data-quiz="q1"] input[type=radio]')).toHaveLength(2)
    w.unmount()
  })

  it('leaves code as plain code where nothing should run (feedback, hints)', async () => {
    const w = mount(RenderedMarkdown, {
      props: { source: '```python\nprint(1)\n```\n', course: 'c', lesson: '', interactive: false },
      attachTo: document.body,
    })
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
    expect(w.find('.code-cell .hljs-built_in').exists()).toBe(true)
    expect(w.find('button').exists()).toBe(false)
    w.unmount()
  })

  it('posts a quiz answer with the CSRF header and shows the explanation', async () => {
    document.cookie = 'feynlab_csrf=tok123'
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockResolvedValue(
      jsonResponse({
        correct: false, choices: [0], tries: 2, tries_left: 0, revealed: true,
        correct_choices: [1], explanation: 'Because b.', choice_feedback: [],
      }),
    )
    const quizzes = [{ id: 'q1', question: 'Pick one', type: 'single' as const, choices: ['a', 'b'] }]
    const w = mount(RenderedMarkdown, {
      props: { source: '<div data-quiz="q1"></div>', course: 'c', lesson: 'l', quizzes },
      attachTo: document.body,
    })
    await until(() => w.find('[data-quiz="q1"] input').exists())
    const radio = w.find('[data-quiz="q1"] input').element as HTMLInputElement
    radio.checked = true
    radio.dispatchEvent(new Event('change'))
    await flushPromises()
    ;(w.find('[data-quiz="q1"] form').element as HTMLFormElement).dispatchEvent(new Event('submit'))
    await until(() => w.find('[data-testid="quiz-result"]').exists())
    const request = fetchMock.mock.calls[0][0] as Request
    expect(request.url).toMatch(/\/api\/courses\/c\/lessons\/l\/quizzes\/q1\/answers$/)
    expect(request.method).toBe('POST')
    expect(request.headers.get('X-CSRF-Token')).toBe('tok123')
    expect(await request.json()).toEqual({ choices: [0] })
    expect(w.find('[data-testid="quiz-result"]').text()).toContain('Because b.')
    expect(w.find('.choice.right label').text()).toBe('b')
    expect(w.find('.choice.wrong label').text()).toBe('a')
    w.unmount()
  })

  it('renders an inert lesson: no script runs, no handler attribute survives', async () => {
    ;(window as unknown as { pwned?: boolean }).pwned = false
    const src = '<script>window.pwned = true</script>\n\n<img src="x" onerror="window.pwned = true">\n'
    const w = mount(RenderedMarkdown, { props: { source: src, course: 'c', lesson: 'l' }, attachTo: document.body })
    await flushPromises()
    expect(w.html()).not.toMatch(/<script|onerror/i)
    expect((window as unknown as { pwned?: boolean }).pwned).toBe(false)
    w.unmount()
  })
})

describe('code editor', () => {
  it('shows the starter code, reports edits through v-model and marks problem lines', async () => {
    const w = mount(CodeEditor, {
      props: { modelValue: 'def f(x):\n    return x\n', label: 'Your code', 'onUpdate:modelValue': (v: string) => w.setProps({ modelValue: v }) },
      attachTo: document.body,
    })
    await until(() => w.find('.cm-content').exists())
    expect(w.find('.cm-content').text()).toContain('return x')
    expect(w.find('.cm-content').attributes('aria-label')).toBe('Your code')
    // Type through CodeMirror's own view, as a keystroke would.
    const { EditorView } = await import('@codemirror/view')
    const view = EditorView.findFromDOM(w.find('.cm-editor').element as HTMLElement)!
    view.dispatch({ changes: { from: view.state.doc.length, insert: 'print(f(2))\n' } })
    await flushPromises()
    expect(w.emitted('update:modelValue')?.at(-1)).toEqual(['def f(x):\n    return x\nprint(f(2))\n'])
    await w.setProps({ problems: [{ line: 2, message: 'bad indent' }] })
    await until(() => w.find('.cm-lintRange-error').exists())
    expect(w.find('.cm-lintRange-error').text()).toContain('return x')
    await w.setProps({ modelValue: 'x = 1\n' })
    expect(view.state.doc.toString()).toBe('x = 1\n')
    w.unmount()
  }, 20_000) // CodeMirror's first (lazy) import alone took over 5 s on a loaded 2-core machine

  it('keeps a draft per user and exercise in localStorage', async () => {
    const { draftKey, saveDraft, loadDraft, clearDraft } = await import('../src/exercises/drafts')
    const key = draftKey(7, 'supervised-1', 'softmax')
    expect(loadDraft(key)).toBeNull()
    saveDraft(key, 'def softmax(z): ...')
    expect(loadDraft(key)).toBe('def softmax(z): ...')
    expect(loadDraft(draftKey(8, 'supervised-1', 'softmax'))).toBeNull()
    clearDraft(key)
    expect(loadDraft(key)).toBeNull()
  })
})
