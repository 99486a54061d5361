#!/usr/bin/env node
/**
 * Live preview re-render time in a real browser (Debian's Chromium, driven by Playwright): the
 * author's lesson editor holds a generated 300-line lesson with 40 formulas; each keystroke in the
 * source re-renders the preview. Prints median and p95 of the preview's own `feynlab:preview`
 * measure (Markdown + KaTeX + highlighting + DOMPurify + DOM patch + layout).
 * Target: median under 16 ms (one frame). The built app (frontend/dist) is served to the page
 * through request interception, with the few API answers the page needs: no server to start.
 * Usage: node bench/frontend_preview.mjs [keystrokes per scenario, default 120]
 */
import { execSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

const frontend = fileURLToPath(new URL('../frontend/', import.meta.url))
const dist = join(frontend, 'dist')
if (!existsSync(join(dist, 'index.html'))) execSync('npm run build', { cwd: frontend, stdio: 'inherit' })
const { chromium } = createRequire(join(frontend, 'package.json'))('@playwright/test')
const N = Number(process.argv[2] ?? 120)

/** A lesson like the shipped ones: prose, 40 formulas (30 inline, 10 display), code cells, a quiz; 300 lines. */
function generateLesson() {
  const lines = ['---', 'title: Benchmark lesson', '---', '', '# Gradient descent, slowly', '']
  let formulas = 0
  const inline = (i) => `$\\frac{\\partial L}{\\partial w_{${i}}} = \\sum_{k=1}^{n} (y_k - \\hat y_k)\\,x_{k${i}}$`
  const display = (i) => ['$$', `L_{${i}}(w) = -\\frac{1}{n}\\sum_{k=1}^{n}\\sum_{c=1}^{C} y_{kc}\\log \\mathrm{softmax}(W x_k + b)_c + \\lambda\\lVert w \\rVert^2`, '$$']
  let section = 1
  while (lines.length < 288) {
    lines.push(`## Section ${section}`, '')
    for (let p = 0; p < 3 && formulas < 39; p++) {
      lines.push(`When we move the weights a little, the loss changes by ${inline(formulas++)}, which says how the`)
      lines.push('loss feels about each weight; a small step against it lowers the loss. Feynman would say:')
      lines.push('first the intuition, then the formula, then the code.', '')
    }
    if (formulas < 39) lines.push(...display(formulas++), '')
    lines.push('- a list item with **bold** and `code`', '- another item', '')
    if (section % 3 === 0) lines.push('```python', 'import numpy as np', `w = np.zeros(${section})`, 'print(w.sum())', '```', '')
    section++
  }
  lines.push('Prose marker: the end of the middle paragraph', '')
  lines.push('Formula marker: $y = x^{2}$', '')
  lines.push('```quiz', 'id: bench', 'question: Which way do we step?', 'type: single', 'choices:', '  - text: Against the gradient', '    correct: true', '  - text: Along it', 'explanation: Downhill.', '```')
  while (lines.length < 300) lines.push('')
  const text = lines.slice(0, 300).join('\n') + '\n'
  const count = (text.match(/\$\$/g) ?? []).length / 2 + (text.replace(/\$\$[\s\S]*?\$\$/g, '').match(/\$[^$\n]+\$/g) ?? []).length
  return { text, lines: text.split('\n').length - 1, formulas: count }
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf' }
const lesson = generateLesson()

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
})
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
await page.route('**/*', async (route) => {
  const url = new URL(route.request().url())
  const json = (body) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) })
  if (url.pathname === '/api/me') return json({ id: 1, email: 'a@example.com', name: 'Author', role: 'instructor' })
  if (url.pathname.startsWith('/api/authoring/courses/bench/files/')) return json({ path: 'lessons/bench.md', content: lesson.text })
  if (url.pathname.startsWith('/api/')) return route.fulfill({ status: 404, contentType: 'application/json', body: '{"detail":"not in the benchmark"}' })
  let file = normalize(join(dist, url.pathname))
  if (!file.startsWith(dist) || !existsSync(file) || url.pathname === '/') file = join(dist, 'index.html')
  return route.fulfill({ status: 200, contentType: TYPES[extname(file)] ?? 'application/octet-stream', body: readFileSync(file) })
})
await page.goto('http://feynlab.bench/author/bench/files/lessons/bench.md')
await page.locator('[data-testid=preview] .katex').first().waitFor()
await page.locator('.cm-content').waitFor()

const measures = () => page.evaluate(() => performance.getEntriesByName('feynlab:preview').map((e) => e.duration))
const cold = (await measures())[0]

async function scenario(name, marker, moveKeys, key) {
  // CodeMirror only draws the lines in view: go to the end first, where the markers are.
  await page.locator('.cm-content').click()
  await page.keyboard.press('ControlOrMeta+End')
  await page.locator('.cm-content').getByText(marker).click()
  for (const k of moveKeys) await page.keyboard.press(k)
  await page.waitForTimeout(200)
  const before = (await measures()).length
  for (let i = 0; i < N; i++) {
    const n = (await measures()).length
    await page.keyboard.press(key(i))
    await page.waitForFunction((m) => performance.getEntriesByName('feynlab:preview').length > m, n)
  }
  await page.waitForTimeout(100)
  const render = (await measures()).slice(before)
  return { name, render }
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1] }
}

const results = [
  await scenario('typing prose (one block changes)', 'Prose marker', ['End'], (i) => (i % 7 === 6 ? 'Space' : 'a')),
  await scenario('typing inside a formula (KaTeX re-renders it)', 'Formula marker', ['End', 'ArrowLeft'], (i) => String(i % 10)),
]
const version = browser.version()
await browser.close()

const f = (x) => x.toFixed(2).padStart(7)
console.log(`Live preview benchmark: ${lesson.lines}-line lesson, ${lesson.formulas} formulas, Chromium ${version}, ${N} keystrokes per scenario`)
console.log(`First full render of the preview: ${cold.toFixed(1)} ms\n`)
console.log('re-render per keystroke, ms (render + sanitize + DOM patch + layout)   median      p95      max')
for (const r of results) {
  const a = stats(r.render)
  console.log(`  ${r.name.padEnd(70)}${f(a.median)}  ${f(a.p95)}  ${f(a.max)}`)
}
const all = stats(results.flatMap((r) => r.render))
console.log(`\nAll keystrokes: re-render median ${all.median.toFixed(2)} ms, p95 ${all.p95.toFixed(2)} ms. Target median < 16 ms -> ${all.median < 16 ? 'OK' : 'OVER'}`)
