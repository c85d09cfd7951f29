// The status page's HTML templates escape every value put into them: in
// element content and in quoted attributes; only fragments built with `html`
// go in as they are (once: never escaped twice).
import { escapeHtml, html, link, table } from '../../src/api/status-page/html.js';

test('every character that could open markup or close an attribute is escaped', () => {
  expect(escapeHtml(`<script>alert('x' & "y")</script>`)).toBe('&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;');
});

test('values are escaped, fragments kept, lists joined, null and false leave nothing', () => {
  const inner = html`<b>${'<i>'}</b>`;
  expect(html`<p>${'a<b'} ${inner} ${[html`<br>`, '&']} ${null}${undefined}${false} ${3}</p>`.text).toBe('<p>a&lt;b <b>&lt;i&gt;</b> <br>&amp;  3</p>');
});

test("an attribute's value cannot end the attribute", () => {
  expect(link('/status/x" onclick="alert(1)', 'x').text).toBe('<a href="/status/x&quot; onclick=&quot;alert(1)">x</a>');
});

test('a table escapes its headers and cells; no rows gives its sentence', () => {
  expect(table(['<h>'], [['<c>']]).text).toContain('<th>&lt;h&gt;</th>');
  expect(table(['<h>'], [['<c>']]).text).toContain('<td>&lt;c&gt;</td>');
  expect(table(['h'], [], 'Nothing <here>.').text).toBe('<p class="none">Nothing &lt;here&gt;.</p>');
});
