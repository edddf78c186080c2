import { h } from './web-page.js';

/**
 * The postmortem's Markdown as HTML: the subset the postmortem writer produces (headings,
 * paragraphs, lists and task items, tables, links, bold and italics). Everything is escaped
 * first, so text from alerts and notes can never become markup; links keep only http(s) targets.
 */
export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    if (heading) {
      // The page has its own h1: the document's levels start one below.
      const level = heading[1]!.length + 1;
      out.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
      i++;
    } else if (line.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.startsWith('|')) rows.push(cells(lines[i++]!));
      const [head, , ...body] = rows;
      const headRow = head!.some((cell) => cell.trim() !== '') ? `<thead><tr>${head!.map((cell) => `<th scope="col">${inline(cell)}</th>`).join('')}</tr></thead>` : '';
      out.push(`<table>${headRow}<tbody>${body.map((row) => `<tr>${row.map((cell) => `<td>${inline(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    } else if (line.startsWith('- ')) {
      const items: string[] = [];
      while (i < lines.length && lines[i]!.startsWith('- ')) {
        const text = lines[i++]!.slice(2);
        items.push(text.startsWith('[ ] ') ? `<li>☐ ${inline(text.slice(4))}</li>` : `<li>${inline(text)}</li>`);
      }
      out.push(`<ul>${items.join('')}</ul>`);
    } else if (line.trim() === '') {
      i++;
    } else {
      out.push(`<p>${inline(line)}</p>`);
      i++;
    }
  }
  return out.join('\n');
}

/** A table row's cells; `\|` inside a cell is a literal bar. */
function cells(row: string): string[] {
  const parts = row.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);
  return parts.map((part) => part.trim().replace(/\\\|/g, '|'));
}

/** Longer lines (a hostile alert can be a megabyte of text) are cut before any pattern runs. */
const LINE_LIMIT = 10_000;

// Each pattern's runs stop at the characters that could start the next match, so no text makes
// them backtrack over what they already read: the time stays linear in the line.
function inline(line: string): string {
  const text = line.length > LINE_LIMIT ? `${line.slice(0, LINE_LIMIT)}…` : line;
  return h(text)
    .replace(/\[([^\][]*)\]\((https?:\/\/[^\s()[\]]+)\)/g, (_all, label: string, url: string) => `<a href="${url}" rel="noopener noreferrer">${label}</a>`)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|\s)_([^_]+)_(?=\s|$|[.,;:])/g, '$1<em>$2</em>');
}
