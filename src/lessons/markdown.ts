/**
 * A lesson's markdown as HTML that is safe to put in the page, whoever wrote the lesson: raw HTML is shown as
 * text, not parsed; links go only to http(s) and mailto, in a new tab; and there are no images, which would
 * fetch from another origin.
 */
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false }).disable('image');
markdown.validateLink = (url) => /^(https?:|mailto:)/i.test(url.trim());
const openLink = markdown.renderer.rules.link_open;
markdown.renderer.rules.link_open = (tokens, i, options, env, self) => {
  tokens[i]!.attrSet('target', '_blank');
  tokens[i]!.attrSet('rel', 'noopener noreferrer');
  return openLink ? openLink(tokens, i, options, env, self) : self.renderToken(tokens, i, options);
};

export function renderMarkdown(text: string): string {
  return markdown.render(text);
}

/** One line of markdown (a question, an answer), without the paragraph around it. */
export function renderInline(text: string): string {
  return markdown.renderInline(text);
}
