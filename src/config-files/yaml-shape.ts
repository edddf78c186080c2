import { CST, Lexer } from 'yaml';

/**
 * How big a YAML text may be, in the units that make parsing slow: parsing costs about a
 * microsecond per token on a quiet machine and runs on the thread that answers /healthz, so the
 * byte limit alone (a megabyte of one-character values) would still stall the bot for seconds.
 */
export interface YamlShapeLimits {
  /** Who the limits are for, as messages name it: "a playbook", "oncall.yaml". */
  what: string;
  maxLines: number;
  /** Scalars and aliases: every value the file writes down. */
  maxValues: number;
  /** Real files nest under ten levels; the parser's stack runs out in the thousands. */
  maxDepth: number;
}

/**
 * Where a YAML text first goes past `limits`, found with a line count and the YAML lexer alone
 * (flat, and stopped right there), so that a hostile file never reaches the parser. Block
 * nesting is read from the columns where collections start, flow nesting from brackets; the depth
 * may count a level high (a scalar after "- " counts), never low.
 */
export function yamlShapeProblem(text: string, limits: YamlShapeLimits): { offset: number; message: string } | undefined {
  let lineBreaks = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (++lineBreaks === limits.maxLines && i + 1 < text.length) {
      return { offset: i + 1, message: `more than ${limits.maxLines} lines, the most ${limits.what} may have: not parsed` };
    }
  }
  let offset = 0;
  let lineStart = 0;
  let flow = 0;
  let values = 0;
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
    if (type === 'scalar' || type === 'single-quoted-scalar' || type === 'double-quoted-scalar' || type === 'alias') {
      if (++values > limits.maxValues) return { offset: start, message: `more than ${limits.maxValues} values, the most ${limits.what} may hold: not parsed` };
    }
    if (type === 'doc-start' || type === 'doc-end') {
      blockColumns.length = 0;
      flow = 0;
    } else if (flow === 0 && type !== 'map-value-ind' && (type === 'seq-item-ind' || type === 'explicit-key-ind' || !contentOnLine || afterIndicator)) {
      enterBlock(start - lineStart);
    }
    if (type === 'flow-seq-start' || type === 'flow-map-start') flow += 1;
    if ((type === 'flow-seq-end' || type === 'flow-map-end') && flow > 0) flow -= 1;
    if (blockColumns.length + flow > limits.maxDepth) return { offset: start, message: `nested more than ${limits.maxDepth} levels deep: not parsed` };
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
