/** Every piece of rendered HTML passes through DOMPurify: lesson text can hold anything. */
import DOMPurify from 'dompurify'

let hooked = false

// KaTeX lays formulas out with inline styles; those are kept (inside .katex only) when every
// declaration is one of these layout properties. Anything else (a full-page fixed overlay with
// a fake "log in again" link, a url(...) that calls home) goes.
const KATEX_STYLE = new Set([
  'height', 'width', 'min-width', 'max-width', 'top', 'bottom', 'left', 'right', 'vertical-align',
  'margin', 'margin-left', 'margin-right', 'margin-top', 'margin-bottom',
  'padding', 'padding-left', 'padding-right', 'padding-top', 'padding-bottom',
  'border-bottom-width', 'border-top-width', 'border-right-width', 'border-left-width',
  'border-style', 'border-color', 'border-width', 'color', 'background-color', 'font-size',
  'position', 'display', 'text-align',
])

/** The style kept for a KaTeX node, or null: only layout, never fixed/absolute or a URL. */
export function katexStyle(style: string): string | null {
  const kept: string[] = []
  for (const part of style.split(';')) {
    if (!part.trim()) continue
    const [name, ...rest] = part.split(':')
    const prop = name.trim().toLowerCase()
    const value = rest.join(':').trim().toLowerCase()
    if (!KATEX_STYLE.has(prop) || /url\(|expression|\\|@import|var\(/.test(value)) return null
    if (prop === 'position' && value !== 'relative') return null
    kept.push(`${prop}:${value}`)
  }
  return kept.length ? kept.join(';') : null
}

/** Whether an <img> may load from ``src``: not the API (it would fire with the reader's
 * cookies), except the course's own figures. */
export function imageAllowed(src: string): boolean {
  let url: URL
  try {
    url = new URL(src, window.location.href)
  } catch {
    return false
  }
  if (url.protocol === 'data:') return /^data:image\/(png|jpeg|gif|webp);/i.test(src)
  if (url.origin !== window.location.origin) return url.protocol === 'https:' || url.protocol === 'http:'
  if (!url.pathname.startsWith('/api/')) return true
  return /^\/api\/courses\/[^/]+\/figures\/[^?#]+$/.test(url.pathname) && !url.search
}

function installHooks(): void {
  if (hooked) return
  hooked = true
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.hasAttribute('style')) {
      const inKatex = node.closest('.katex') !== null
      const kept = inKatex ? katexStyle(node.getAttribute('style') ?? '') : null
      if (kept) node.setAttribute('style', kept)
      else node.removeAttribute('style')
    }
    if (node.tagName === 'IMG' && !imageAllowed(node.getAttribute('src') ?? '')) {
      node.removeAttribute('src')
      node.setAttribute('alt', `[image not shown: ${node.getAttribute('alt') ?? 'blocked address'}]`)
    }
    if (node.tagName === 'A') {
      const href = node.getAttribute('href') ?? ''
      // http:, https: and protocol-relative (//host) links leave the site: new tab, no opener.
      if (/^(https?:)?\/\//i.test(href.trim())) node.setAttribute('target', '_blank')
      if (node.hasAttribute('target')) node.setAttribute('rel', 'noopener noreferrer')
    }
  })
}

export function sanitize(html: string): string {
  installHooks()
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
    FORBID_ATTR: ['srcset', 'formaction'],
    // KaTeX's MathML keeps the TeX source in <semantics><annotation> (plain text) for screen readers.
    ADD_TAGS: ['semantics', 'annotation'],
    ADD_ATTR: ['target', 'encoding'],
  })
}
