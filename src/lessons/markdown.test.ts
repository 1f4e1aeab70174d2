import { describe, expect, it } from 'vitest';
import { renderInline, renderMarkdown } from './markdown';

describe("a lesson's markdown", () => {
  it('renders what lessons are written with: emphasis, code, lists, links', () => {
    expect(renderMarkdown('Press *Step*, then read `numInputRows`:\n\n- one\n- two')).toBe(
      '<p>Press <em>Step</em>, then read <code>numInputRows</code>:</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n',
    );
    expect(renderInline('[Spark](https://spark.apache.org/)')).toBe(
      '<a href="https://spark.apache.org/" target="_blank" rel="noopener noreferrer">Spark</a>',
    );
    // Identifiers with underscores stay as they are.
    expect(renderInline('window_start <= watermark')).toBe('window_start &lt;= watermark');
  });

  it('from a hostile lesson file runs nothing and fetches nothing: HTML is text, scripts and images are gone', () => {
    const hostile = renderMarkdown(
      '<script>alert(1)</script> <img src=x onerror="alert(1)"> [click](javascript:alert(1)) ' +
        '[data](data:text/html,<b>x</b>) ![pixel](https://evil.example/p.png) <a href="https://evil.example">a</a>',
    );
    expect(hostile).not.toMatch(/<script|<img|<a href="(javascript|data)|onerror="/i);
    expect(hostile).not.toContain('<a href="https://evil.example">');
    expect(hostile).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(hostile).not.toContain('src="https://evil.example/p.png"');
  });
});
