/** Every piece of rendered HTML passes through DOMPurify: lesson text can hold anything. */
import DOMPurify from 'dompurify'

let hooked = false

function installHooks(): void {
  if (hooked) return
  hooked = true
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.getAttribute('href')?.match(/^https?:/)) {
      node.setAttribute('target', '_blank')
      node.setAttribute('rel', 'noopener noreferrer')
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
