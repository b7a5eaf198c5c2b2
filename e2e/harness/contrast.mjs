// Legibility: WCAG 2 contrast ratios of what a page actually renders, from computed colours.

/** "rgb(1, 2, 3)" / "rgba(1, 2, 3, 0.5)" → [r, g, b, a]. */
export function parseColour(css) {
  const m = css.match(/rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:\s*[,/]\s*([\d.]+))?\)/);
  if (!m) throw new Error(`not an rgb() colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
}

export function luminance([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The contrast ratio of two opaque colours (1 to 21). */
export function contrast(a, b) {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}

/**
 * Every visible piece of text on the page with its colour and the opaque background behind it (semi-
 * transparent layers composited over their ancestors). SVG text uses its fill.
 */
export async function renderedText(page, root = "body") {
  return page.evaluate((rootSelector) => {
    const parse = (css) => {
      const m = css.match(/rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:\s*[,/]\s*([\d.]+))?\)/);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
    };
    const over = (top, bottom) => top.slice(0, 3).map((c, i) => c * top[3] + bottom[i] * (1 - top[3])).concat(1);
    const backgroundOf = (el) => {
      const layers = [];
      for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
        const bg = parse(getComputedStyle(node).backgroundColor);
        if (bg && bg[3] > 0) {
          layers.push(bg);
          if (bg[3] >= 1) break;
        }
      }
      let colour = [255, 255, 255, 1];
      for (const layer of layers.reverse()) colour = over(layer, colour);
      return colour;
    };
    const out = [];
    const walker = document.createTreeWalker(document.querySelector(rootSelector), NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const el = text.parentElement;
      if (!text.textContent.trim() || !el) continue;
      const style = getComputedStyle(el);
      const rects = el.getClientRects();
      if (style.visibility !== "visible" || style.display === "none" || !rects.length) continue;
      if (el.closest("[hidden], noscript, script, style, title")) continue;
      const rect = rects[0];
      if (rect.width === 0 || rect.height === 0 || rect.right < 0 || rect.left < -100) continue;
      const svg = el instanceof SVGElement;
      out.push({
        text: text.textContent.trim().slice(0, 40),
        selector: `${el.tagName.toLowerCase()}${el.className?.baseVal ?? el.className ? "." + String(el.className?.baseVal ?? el.className).trim().replace(/\s+/g, ".") : ""}`,
        colour: parse(svg ? style.fill : style.color),
        background: backgroundOf(el),
        sizePx: parseFloat(style.fontSize),
        bold: Number(style.fontWeight) >= 700,
      });
    }
    return out;
  }, root);
}

/** WCAG AA: 4.5:1 for text, 3:1 for large text (24 px, or 18.66 px bold). */
export function illegible(items) {
  const opaque = (fg, bg) => fg.slice(0, 3).map((c, i) => c * fg[3] + bg[i] * (1 - fg[3]));
  return items
    .map((item) => ({ ...item, ratio: contrast(opaque(item.colour, item.background), item.background) }))
    .filter((item) => item.ratio < (item.sizePx >= 24 || (item.bold && item.sizePx >= 18.66) ? 3 : 4.5));
}
