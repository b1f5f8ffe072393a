import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, figure, markup, page } from './html.js';

const unescape = (text: string): string =>
  text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');

describe('web html', () => {
  it('escapes any text so that it can neither open a tag nor leave an attribute', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const out = markup`<td title="${text}">${text}</td>`.html;
        const inner = escapeHtml(text);
        expect(inner).not.toMatch(/[<>"']/);
        expect(unescape(inner)).toBe(text);
        expect(out).toBe(`<td title="${inner}">${inner}</td>`);
      }),
    );
  });

  it('keeps nested fragments and lists as markup, and drops null', () => {
    const cells = ['a<b', 'c'].map((t) => markup`<td>${t}</td>`);
    expect(markup`<tr>${cells}${null}</tr>`.html).toBe('<tr><td>a&lt;b</td><td>c</td></tr>');
  });

  it('writes a whole page with the title escaped, reloading only when asked', () => {
    const still = page('<run>', markup`<p>x</p>`);
    expect(still).toMatch(/^<!doctype html>/);
    expect(still).toContain('<title>&lt;run&gt; · evoplace</title>');
    expect(still).not.toContain('http-equiv="refresh"');
    expect(page('run', markup``, 5)).toContain('<meta http-equiv="refresh" content="5"');
  });

  it('prints figures to a few significant digits, a dash for none', () => {
    expect(figure(22.338512345)).toBe('22.3385');
    expect(figure(null)).toBe('—');
    expect(figure(Infinity)).toBe('—');
  });
});
