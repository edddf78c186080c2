export interface CommandToken {
  /** The word without surrounding quotes. */
  value: string;
  /** Offsets in the input, so free text can be taken verbatim (newlines, spacing, Markdown). */
  start: number;
  end: number;
}

// A Slack mention <@U1|Jane Doe> or link <https://x|y> may contain spaces; quotes group words.
const TOKEN = /<[^>]*>|"([^"]*)"|“([^”]*)”|'([^'\s][^']*)'(?=\s|$)|\S+/g;

/** Splits command text into words, keeping <...> entities and quoted phrases whole. */
export function tokenize(text: string): CommandToken[] {
  const tokens: CommandToken[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const quoted = match[1] ?? match[2] ?? match[3];
    tokens.push({ value: quoted ?? match[0], start: match.index, end: match.index + match[0].length });
  }
  return tokens;
}
