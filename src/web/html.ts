/** Text made safe inside HTML elements and attribute values (LLM output is untrusted). */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A fragment of HTML whose text parts were escaped by `markup`. */
export interface Html {
  readonly html: string;
}

/** Part of a template: markup as is, other values (text, numbers, null) escaped. */
type Part = Html | Html[] | string | number | null | undefined;

function render(part: Part): string {
  if (part === null || part === undefined) return '';
  if (Array.isArray(part)) return part.map(render).join('');
  if (typeof part === 'object') return part.html;
  return escapeHtml(String(part));
}

/** Tagged template: `markup\`<td>${userText}</td>\`` escapes userText, keeps nested Html. */
export function markup(strings: TemplateStringsArray, ...parts: Part[]): Html {
  return {
    html: strings.reduce((out, s, i) => out + s + (i < parts.length ? render(parts[i]) : ''), ''),
  };
}

/** Markup from trusted code (an SVG we drew), never from data. */
export function trusted(source: string): Html {
  return { html: source };
}

/**
 * The pages' one style sheet. Text in a block wraps, code keeps its lines and scrolls; on a
 * phone a wide table scrolls inside its own box, a line a row but for its prose (`td.text`), and
 * a chart (each has a viewBox) shrinks to the screen, so that the page itself never scrolls
 * sideways.
 */
const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; color: #1d1d1f; overflow-wrap: break-word; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e3e3e8; }
th { background: #f5f5f7; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f5f5f7; padding: .75rem; overflow-x: auto; font-size: 12px; white-space: pre-wrap; } pre.code { white-space: pre; }
svg[viewBox] { max-width: 100%; height: auto; }
@media (max-width: 48rem) { table { display: block; overflow-x: auto; } th, td { white-space: nowrap; } td.text { white-space: normal; min-width: 14rem; } }
.bad { color: #b3261e; } .good { color: #1b6e3a; } .muted { color: #6e6e73; }
nav { margin-bottom: 1rem; } a { color: #0b57d0; text-decoration: none; } a:hover { text-decoration: underline; }
`;

/** A whole page; `refreshSeconds` reloads it (a run still going) without any script. */
export function page(title: string, body: Html, refreshSeconds?: number): string {
  const refresh = refreshSeconds
    ? markup`<meta http-equiv="refresh" content="${refreshSeconds}" />`
    : null;
  return `<!doctype html>${
    markup`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · evoplace</title>
        <link rel="icon" href="data:," />
        ${refresh}
        <style>
          ${trusted(STYLE)}
        </style>
      </head>
      <body>
        <nav><a href="/">evoplace ui</a></nav>
        ${body}
      </body>
    </html>`.html
  }`;
}

/** A number for a table cell (see core/figure.ts). */
export { figure } from '../core/figure.js';
