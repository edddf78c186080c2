import { CST, Lexer } from 'yaml';

/**
 * Deeper than this, a configuration file is refused before it is parsed. Real files nest under
 * ten levels; the YAML parser's time grows with depth and its stack runs out in the thousands.
 */
export const MAX_NESTING_DEPTH = 50;

/**
 * The offset of the first token that nests deeper than `maxDepth`, found with the YAML lexer
 * alone (flat, and stopped right there) so that a hostile file never reaches the parser.
 * Block nesting is read from the columns where collections start, flow nesting from brackets;
 * the count may run a level high (a scalar after "- " counts), never low.
 */
export function tooDeepAt(text: string, maxDepth: number): number | undefined {
  let offset = 0;
  let lineStart = 0;
  let flow = 0;
  const blockColumns: number[] = [];
  let contentOnLine = false;
  let afterIndicator = false;
  let scalarNext = false;
  const enterBlock = (column: number) => {
    while (blockColumns.length > 0 && blockColumns[blockColumns.length - 1]! >= column) blockColumns.pop();
    blockColumns.push(column);
  };
  for (const token of new Lexer().lex(text)) {
    // Markers the lexer adds; they are not part of the text.
    if (token === CST.DOCUMENT || token === CST.FLOW_END) continue;
    if (token === CST.SCALAR) {
      scalarNext = true;
      continue;
    }
    const start = offset;
    offset += token.length;
    const type = scalarNext ? 'scalar' : CST.tokenType(token);
    scalarNext = false;
    if (type === 'newline') {
      lineStart = offset;
      contentOnLine = false;
      afterIndicator = false;
      continue;
    }
    if (type === 'space' || type === 'comment') continue;
    if (type === 'doc-start' || type === 'doc-end') {
      blockColumns.length = 0;
      flow = 0;
    } else if (flow === 0 && (type === 'seq-item-ind' || type === 'explicit-key-ind' || !contentOnLine || afterIndicator)) {
      if (type !== 'map-value-ind') enterBlock(start - lineStart);
    }
    if (type === 'flow-seq-start' || type === 'flow-map-start') flow += 1;
    if ((type === 'flow-seq-end' || type === 'flow-map-end') && flow > 0) flow -= 1;
    if (blockColumns.length + flow > maxDepth) return start;
    contentOnLine = true;
    afterIndicator = type === 'seq-item-ind' || type === 'explicit-key-ind';
    // Block scalars and quoted scalars may span lines.
    const lastBreak = token.lastIndexOf('\n');
    if (lastBreak >= 0) {
      lineStart = start + lastBreak + 1;
      contentOnLine = lineStart < offset;
    }
  }
  return undefined;
}
