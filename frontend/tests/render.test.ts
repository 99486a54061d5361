import { describe, expect, it } from 'vitest'
import { renderMarkdown } from '../src/render'

const QUIZ = [
  '```quiz',
  'id: softmax-sum',
  'question: What do the outputs of a softmax add up to?',
  'type: single',
  'choices:',
  '  - text: "1"',
  '    correct: true',
  '  - text: "0"',
  'explanation: A softmax turns scores into a probability distribution.',
  '```',
].join('\n')

function dom(html: string): HTMLElement {
  const el = document.createElement('div')
  el.innerHTML = html
  return el
}

describe('math', () => {
  it('renders inline $...$ with KaTeX, with MathML for screen readers', () => {
    const { html } = renderMarkdown('The energy $E = mc^2$ is conserved.')
    const el = dom(html)
    expect(el.querySelector('p .katex')).not.toBeNull()
    expect(el.querySelector('.katex-display')).toBeNull()
    expect(el.querySelector('math annotation')?.textContent).toBe('E = mc^2')
  })

  it('renders $$...$$ blocks, single- and multi-line, in display mode', () => {
    const src = '$$\\sum_{i=1}^n x_i$$\n\ntext\n\n$$\n\\frac{a}{b}\n= c\n$$\n'
    const el = dom(renderMarkdown(src).html)
    const blocks = el.querySelectorAll('.math-block .katex-display')
    expect(blocks).toHaveLength(2)
    expect(el.querySelector('.math-block')?.getAttribute('tabindex')).toBe('0') // scrolls by keyboard
    expect(blocks[1].querySelector('annotation')?.textContent?.trim()).toBe('\\frac{a}{b}\n= c')
  })

  it('shows a broken formula inline as an error instead of throwing', () => {
    const el = dom(renderMarkdown('Broken: $\\frac{1}{$ here').html)
    const err = el.querySelector('.katex-error')
    expect(err).not.toBeNull()
    expect(err?.getAttribute('title')).toMatch(/ParseError/)
    expect(el.textContent).toContain('here')
  })

  it('leaves prices and escaped dollars alone', () => {
    const el = dom(renderMarkdown('It costs $5 and $6 today, or \\$7.').html)
    expect(el.querySelector('.katex')).toBeNull()
    expect(el.textContent).toContain('$5 and $6')
  })
})

describe('code', () => {
  it('highlights python and marks runnable cells', () => {
    const r = renderMarkdown('```python\nimport numpy as np\nprint("hi")\n```\n')
    const el = dom(r.html)
    const cell = el.querySelector('.code-cell[data-cell="0"]')
    expect(cell).not.toBeNull()
    expect(cell?.querySelector('code.language-python .hljs-keyword')?.textContent).toBe('import')
    expect(r.cells).toEqual(['import numpy as np\nprint("hi")\n'])
  })

  it('keeps `python norun` and other languages as plain code blocks', () => {
    const r = renderMarkdown('```python norun\nx = 1\n```\n\n```bash\nls <dir>\n```\n')
    const el = dom(r.html)
    expect(el.querySelectorAll('[data-cell]')).toHaveLength(0)
    expect(r.cells).toHaveLength(0)
    expect(el.querySelectorAll('pre.code')).toHaveLength(2)
    expect(el.querySelector('code.language-bash')?.textContent).toBe('ls <dir>\n')
  })
})

describe('quizzes', () => {
  it('turns a quiz fence into a placeholder in the reader, without the answers', () => {
    const r = renderMarkdown(`Intro\n\n${QUIZ}\n`)
    const el = dom(r.html)
    const placeholder = el.querySelector('[data-quiz="softmax-sum"]')
    expect(placeholder).not.toBeNull()
    expect(placeholder?.textContent).toBe('')
    expect(r.html).not.toContain('probability distribution')
    expect(r.quizzes[0]).toMatchObject({ id: 'softmax-sum', type: 'single', choices: ['1', '0'], correct: [0] })
  })

  it('shows the question, the right answer and the explanation in the author preview', () => {
    const el = dom(renderMarkdown(QUIZ, { mode: 'preview' }).html)
    expect(el.querySelector('.quiz-preview .quiz-question')?.textContent).toContain('softmax')
    expect(el.querySelector('.quiz-right')?.textContent).toContain('1')
    expect(el.querySelector('.quiz-explanation')?.textContent).toContain('probability distribution')
  })

  it("shows each choice's why in the author preview", () => {
    const src = QUIZ.replace('  - text: "0"', '  - text: "0"\n    why: Probabilities are never all zero.')
    const el = dom(renderMarkdown(src, { mode: 'preview' }).html)
    expect(el.querySelectorAll('.quiz-preview li')[1].querySelector('.quiz-why')?.textContent).toBe('Probabilities are never all zero.')
  })

  it('keeps the placeholders the lesson API puts in place of quiz fences', () => {
    const el = dom(renderMarkdown('Text\n\n<div data-quiz="q1"></div>\n\nMore').html)
    expect(el.querySelector('[data-quiz="q1"]')).not.toBeNull()
  })

  it('reports a broken quiz with its line, counting front matter lines', () => {
    const src = '---\ntitle: T\n---\n\n```quiz\nid: q\nquestion: Q?\nchoices:\n  - text: a\n  - text: b\n```\n'
    const r = renderMarkdown(src)
    expect(r.problems).toEqual([{ line: 5, message: 'Quiz block: the quiz has no right answer' }])
    expect(dom(r.html).querySelector('.render-error')?.textContent).toContain('Line 5')
    expect(r.html).not.toContain('title: T')
  })
})

describe('sanitizing', () => {
  it('removes <script> elements', () => {
    const r = renderMarkdown('Hello\n\n<script>window.pwned = true</script>\n\n<p>after</p>')
    expect(r.html).not.toMatch(/<script/i)
    expect(r.html).not.toContain('pwned')
    expect(r.html).toContain('after')
  })

  it('makes onerror and other event handlers inert', () => {
    const r = renderMarkdown('<img src="x" onerror="window.pwned = true">\n\n<a href="javascript:alert(1)" onclick="x()">link</a>')
    const el = dom(r.html)
    expect(el.querySelector('img')?.hasAttribute('onerror')).toBe(false)
    expect(el.querySelector('a')?.hasAttribute('onclick')).toBe(false)
    expect(el.querySelector('a')?.getAttribute('href') ?? '').not.toMatch(/javascript/i)
    expect(r.html).not.toMatch(/onerror|onclick/i)
  })

  it('sanitizes HTML hidden in math and markdown links too', () => {
    const r = renderMarkdown('$\\href{javascript:alert(1)}{x}$ [a](javascript:alert(1)) <iframe src="https://evil"></iframe> <style>body{}</style>')
    const el = dom(r.html)
    expect(el.querySelector('[href^="javascript" i]')).toBeNull()
    expect(el.querySelector('iframe, style, script')).toBeNull()
  })

  it('rewrites course figures to the figure endpoint', () => {
    const el = dom(renderMarkdown('![plot](../figures/loss.png)', { figureBase: '/api/courses/c/figures' }).html)
    expect(el.querySelector('img')?.getAttribute('src')).toBe('/api/courses/c/figures/loss.png')
    expect(el.querySelector('img')?.getAttribute('alt')).toBe('plot')
  })
})
