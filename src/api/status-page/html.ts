// Server-rendered HTML, escaped by construction: every value put into an
// `html` template is escaped (a form id or an error sentence could hold
// `<script>`), unless it is itself a fragment built with `html`. The page has
// no script; its Content-Security-Policy (routes/status-page.ts) forbids any.

/** A fragment of HTML built by `html`: the only thing put into a page unescaped. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for an element's content and a quoted attribute's value. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** A template whose values are escaped (fragments and lists of fragments are kept as they are). */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(text);
}

export const link = (href: string, text: HtmlValue) => html`<a href="${href}">${text}</a>`;

/** A table with a header row; `empty` when there are no rows. */
export function table(headers: readonly string[], rows: readonly (readonly HtmlValue[])[], empty = 'None.'): Html {
  if (rows.length === 0) return html`<p class="none">${empty}</p>`;
  return html`<table>
<thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>${rows.map((cells) => html`<tr>${cells.map((c) => html`<td>${c}</td>`)}</tr>\n`)}</tbody>
</table>`;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.8rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dt { font-weight: 600; }
.state-active, .state-ok, .state-completed { color: #1a7f37; } .state-error, .state-failed { color: #cf222e; font-weight: 600; }
.state-retrying, .state-paused, .state-connecting, .state-initial_sync, .state-running { color: #9a6700; }
.state-disconnected { color: #57606a; }
.none { color: #57606a; }
nav a { margin-right: 1rem; }
`;

/** A whole page. */
export function page(title: string, body: Html): string {
  return `<!doctype html>
${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
${body}
</body>
</html>
`.text}`;
}

/** A status word, coloured by what it means. */
export const state = (value: string) => html`<span class="state-${value}">${value}</span>`;
