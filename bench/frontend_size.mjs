#!/usr/bin/env node
/**
 * Gzipped JavaScript size of the built front end: what the first page loads (the entry and its
 * static imports) against the lazy chunks each page adds (read from Vite's build manifest).
 * Target: first page under 350 KB gzipped; the editor and KaTeX only where needed.
 * Usage: node bench/frontend_size.mjs   (builds frontend/dist first if it is missing)
 */
import { execSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

const frontend = fileURLToPath(new URL('../frontend/', import.meta.url))
const dist = join(frontend, 'dist')
const manifestPath = join(dist, '.vite', 'manifest.json')
if (!existsSync(manifestPath)) execSync('npm run build', { cwd: frontend, stdio: 'inherit' })
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length
const raw = (file) => readFileSync(join(dist, file)).length
const kb = (n) => (n / 1024).toFixed(1).padStart(7)

/** Every file a chunk needs before it runs: itself and its static imports, transitively. */
function closure(key, seen = new Set()) {
  if (seen.has(key)) return seen
  seen.add(key)
  for (const dep of manifest[key].imports ?? []) closure(dep, seen)
  return seen
}
const files = (keys, kind) => new Set([...keys].flatMap((k) => (kind === 'js' ? [manifest[k].file] : manifest[k].css ?? [])))
const sum = (set, f) => [...set].reduce((a, x) => a + f(x), 0)

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
const first = closure(entryKey)
const firstJs = files(first, 'js')
const firstCss = files(first, 'css')
const firstGz = sum(firstJs, gz)

console.log('Feynlab front end, built JavaScript (gzip -9)\n')
console.log(`First page (catalog, log in, sign up): ${kb(firstGz)} KB gzipped JS (${kb(sum(firstJs, raw))} KB raw), ${kb(sum(firstCss, gz))} KB gzipped CSS`)
console.log(`Target: < 350 KB  ->  ${firstGz < 350 * 1024 ? 'OK' : 'OVER'}\n`)

const pages = Object.keys(manifest).filter((k) => /(View|codemirror)\.(vue|ts)$/.test(k) && manifest[k].isDynamicEntry)
console.log('Loaded later, only by the page that needs it (gzipped JS added on top of the first page):')
console.log('  page / chunk                                  added KB   includes')
for (const key of pages.sort()) {
  const extra = new Set([...files(closure(key), 'js')].filter((f) => !firstJs.has(f)))
  const includes = [...extra].map((f) => f.replace(/^assets\//, '').replace(/-[\w-]{8}\.js$/, '')).join(', ')
  console.log(`  ${key.replace(/^src\//, '').padEnd(44)} ${kb(sum(extra, gz))}   ${includes}`)
}
const all = new Set(Object.values(manifest).map((m) => m.file).filter((f) => f.endsWith('.js')))
console.log(`\nAll JavaScript: ${kb(sum(all, gz))} KB gzipped in ${all.size} files.`)
const heavy = { katex: /katex/i, codemirror: /codemirror|@codemirror/i }
for (const [name, re] of Object.entries(heavy)) {
  const inFirst = [...first].some((k) => re.test(k) || re.test(manifest[k].file))
  console.log(`${name} in the first page: ${inFirst ? 'YES (should be lazy)' : 'no (lazy)'}`)
}
