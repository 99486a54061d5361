import { describe, expect, it } from 'vitest'
import { renderMarkdown } from '../src/render'
import { sanitize } from '../src/render/sanitize'

function dom(html: string): HTMLElement {
  const el = document.createElement('div')
  el.innerHTML = html
  return el
}

// Issue 13.13: lesson HTML that got through the sanitizer before.
describe('sanitizing lesson HTML (attacks that once worked)', () => {
  it('drops style outside formulas: no full-page overlay with a fake login link', () => {
    const overlay =
      '<div style="position:fixed;inset:0;z-index:9999;background:white">Session expired. ' +
      '<a href="https://evil.example/login">Log in again</a></div>'
    const el = dom(sanitize(overlay))
    expect(el.querySelector('[style]')).toBeNull()
    expect(el.innerHTML).not.toContain('fixed')
  })

  it('keeps KaTeX layout styles but not fixed positions or URLs inside .katex', () => {
    const el = dom(renderMarkdown('Inline $\\frac{a}{b}$ here.').html)
    expect(el.querySelector('.katex [style]')).not.toBeNull()
    const forged = dom(
      sanitize('<span class="katex"><span style="position:fixed;top:0">x</span><span style="height:1em;background-color:red;background-image:url(//x)">y</span></span>'),
    )
    expect(forged.querySelector('[style]')).toBeNull()
  })

  it('does not load images from API routes with the reader\'s cookies', () => {
    const el = dom(sanitize('<img src="/api/auth/logout" alt="x"><img src="/api/courses/c/figures/a.png" alt="fig">'))
    const imgs = el.querySelectorAll('img')
    expect(imgs[0].getAttribute('src')).toBeNull()
    expect(imgs[1].getAttribute('src')).toBe('/api/courses/c/figures/a.png')
  })

  it('gives protocol-relative links a new tab without opener', () => {
    const el = dom(sanitize('<a href="//evil.example/x" target="_blank">a</a><a href="/local" target="_self">b</a>'))
    const [external, local] = Array.from(el.querySelectorAll('a'))
    expect(external.getAttribute('target')).toBe('_blank')
    expect(external.getAttribute('rel')).toBe('noopener noreferrer')
    expect(local.getAttribute('rel')).toBe('noopener noreferrer')
  })
})
