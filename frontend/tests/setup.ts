// jsdom has no layout: give CodeMirror the few measuring functions it calls.
const emptyRects = () => ({ length: 0, item: () => null, [Symbol.iterator]: [][Symbol.iterator] }) as unknown as DOMRectList
const zeroRect = () => ({ x: 0, y: 0, width: 0, height: 0, top: 0, left: 0, right: 0, bottom: 0, toJSON() {} }) as DOMRect
Range.prototype.getClientRects ??= emptyRects
Range.prototype.getBoundingClientRect ??= zeroRect
