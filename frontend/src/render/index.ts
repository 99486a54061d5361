/**
 * The one Markdown renderer, used by the lesson reader and by the author's live preview:
 * markdown-it + KaTeX math + highlighted code, ```python fences as runnable cells,
 * ```quiz fences as quiz placeholders, everything sanitized by DOMPurify.
 */
import MarkdownItCtor, { type Env, type MarkdownIt } from 'markdown-it'
import { mathPlugin } from './math'
import { escapeHtml, highlightCode } from './highlight'
import { parseQuiz, type QuizSource } from './quiz'
import { sanitize } from './sanitize'

export type { Quiz, QuizSource } from './quiz'

export interface RenderOptions {
  /** `reader`: quizzes become placeholders the page mounts; `preview`: quizzes are shown with their answers. */
  mode?: 'reader' | 'preview'
  /** Where `figures/...` images of the course are served from, e.g. `/api/courses/intro/figures`. */
  figureBase?: string
}

export interface Rendered {
  html: string
  /** Source of each runnable ```python cell, in order; `data-cell="i"` marks cell i in the HTML. */
  cells: string[]
  /** Quizzes written as ```quiz fences in the source (the reader gets them from the API instead). */
  quizzes: QuizSource[]
  /** Problems found while rendering (bad quiz YAML), with their 1-based source line. */
  problems: { line: number; message: string }[]
}

interface RenderEnv {
  cells: string[]
  quizzes: QuizSource[]
  problems: { line: number; message: string }[]
  mode: 'reader' | 'preview'
  figureBase?: string
}

function quizPreviewHtml(quiz: QuizSource): string {
  const items = quiz.choices
    .map((c, i) => {
      const ok = quiz.correct.includes(i)
      const why = quiz.why[i] ? `<div class="quiz-why small">${escapeHtml(quiz.why[i])}</div>` : ''
      return `<li class="${ok ? 'quiz-right' : ''}">${ok ? '<span aria-label="right answer">✔</span> ' : ''}${escapeHtml(c)}${why}</li>`
    })
    .join('')
  return (
    `<div class="quiz quiz-preview" data-quiz="${escapeHtml(quiz.id)}">` +
    `<p class="quiz-question"><strong>Quiz</strong> (${quiz.type}) ${escapeHtml(quiz.question)}</p>` +
    `<ul>${items}</ul><p class="quiz-explanation">${escapeHtml(quiz.explanation)}</p></div>\n`
  )
}

function createMarkdown(): MarkdownIt {
  const md = new MarkdownItCtor({ html: true, linkify: true, typographer: false })
  md.use(mathPlugin)
  md.renderer.rules.fence = (tokens, idx, _options, envAny) => {
    const env = envAny as unknown as RenderEnv
    const token = tokens[idx]
    const info = token.info.trim().split(/\s+/)
    const lang = info[0] ?? ''
    const line = (token.map?.[0] ?? 0) + 1
    if (lang === 'quiz') {
      try {
        const quiz = parseQuiz(token.content)
        env.quizzes.push(quiz)
        return env.mode === 'preview'
          ? quizPreviewHtml(quiz)
          : `<div class="quiz" data-quiz="${escapeHtml(quiz.id)}"></div>\n`
      } catch (err) {
        const message = `Quiz block: ${(err as Error).message}`
        env.problems.push({ line, message })
        return `<div class="render-error" role="note">Line ${line}: ${escapeHtml(message)}</div>\n`
      }
    }
    const code = highlightCode(token.content, lang)
    const pre = `<pre class="code"><code class="hljs language-${escapeHtml(lang || 'text')}">${code}</code></pre>`
    // Runnable only as the server counts cells (courses/lessons.py): `python`, not `py`.
    if (lang === 'python' && !info.includes('norun')) {
      const n = env.cells.push(token.content) - 1
      return `<div class="code-cell" data-cell="${n}">${pre}</div>\n`
    }
    return pre + '\n'
  }
  const defaultImage = md.renderer.rules.image!
  md.renderer.rules.image = (tokens, idx, options, envAny, self) => {
    const env = envAny as unknown as RenderEnv
    const token = tokens[idx]
    const src = String(token.attrGet('src') ?? '')
    const m = /^(?:\.\.\/|\.\/)?figures\/(.+)$/.exec(src)
    if (m && env.figureBase) token.attrSet('src', `${env.figureBase}/${m[1]}`)
    token.attrSet('loading', 'lazy')
    return defaultImage(tokens, idx, options, envAny, self)
  }
  return md
}

let md: MarkdownIt | null = null

/** Blanks out YAML front matter (keeping its lines, so line numbers still match the file). */
export function stripFrontMatter(source: string): string {
  if (!source.startsWith('---')) return source
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(\r?\n|$)/.exec(source)
  if (!m) return source
  return m[0].replace(/[^\n]/g, '') + source.slice(m[0].length)
}

// Sanitizing is the costly step (KaTeX output is large): each top-level block is sanitized once
// and remembered, so a keystroke in the live preview only sanitizes the block it changed.
const cleanCache = new Map<string, string>()
const CLEAN_CACHE_LIMIT = 3000

function sanitizeCached(raw: string): string {
  let clean = cleanCache.get(raw)
  if (clean === undefined) {
    clean = sanitize(raw)
    if (cleanCache.size >= CLEAN_CACHE_LIMIT) cleanCache.clear()
    cleanCache.set(raw, clean)
  }
  return clean
}

/** One top-level block of the document (a paragraph, a list, a formula, a cell...), sanitized. */
export interface RenderedBlock {
  /** 1-based source line where the block starts. */
  line: number
  html: string
}

export interface RenderedBlocks extends Omit<Rendered, 'html'> {
  blocks: RenderedBlock[]
}

/** Renders block by block; each block's HTML is sanitized and wrapped in `div.md-block[data-line]`. */
export function renderBlocks(source: string, options: RenderOptions = {}): RenderedBlocks {
  md ??= createMarkdown()
  const env: RenderEnv = { cells: [], quizzes: [], problems: [], mode: options.mode ?? 'reader', figureBase: options.figureBase }
  const mdEnv = env as unknown as Env
  const tokens = md.parse(stripFrontMatter(source), mdEnv)
  const blocks: RenderedBlock[] = []
  let group: typeof tokens = []
  for (const token of tokens) {
    group.push(token)
    if (token.level === 0 && token.nesting <= 0) {
      const line = (group[0].map?.[0] ?? 0) + 1
      const clean = sanitizeCached(md.renderer.render(group, md.options, mdEnv))
      blocks.push({ line, html: `<div class="md-block" data-line="${line}">${clean}</div>` })
      group = []
    }
  }
  return { blocks, cells: env.cells, quizzes: env.quizzes, problems: env.problems }
}

export function renderMarkdown(source: string, options: RenderOptions = {}): Rendered {
  const { blocks, ...rest } = renderBlocks(source, options)
  return { html: blocks.map((b) => b.html).join('\n'), ...rest }
}
