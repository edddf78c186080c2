/**
 * SMS length rules: a message in the GSM 03.38 alphabet is 160 characters in one segment (153
 * per part when split), anything else is UCS-2 at 70 (67 per part), and the extension characters
 * (€, [, ], {, }, ~, ^, \, |) take two GSM places. A page should fit one segment: carriers may
 * deliver the parts of a long one out of order, or late.
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';
const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

export interface SmsLength {
  encoding: 'GSM-7' | 'UCS-2';
  /** Places used: GSM septets, or UTF-16 code units. */
  units: number;
  segments: number;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (!BASIC.has(char) && !EXTENSION.has(char)) return false;
  return true;
}

export function smsLength(text: string): SmsLength {
  if (isGsm7(text)) {
    let units = 0;
    for (const char of text) units += EXTENSION.has(char) ? 2 : 1;
    return { encoding: 'GSM-7', units, segments: units <= 160 ? 1 : Math.ceil(units / 153) };
  }
  const units = text.length;
  return { encoding: 'UCS-2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}

/** Characters outside GSM-7 that have a plain equivalent: replacing them keeps a page at 160, not 70. */
const PLAIN: Record<string, string> = { '\u2018': "'", '\u2019': "'", '\u201C': '"', '\u201D': '"', '\u2013': '-', '\u2014': '-', '\u2026': '...', '\u00A0': ' ', '\u2022': '*', '\u00B7': '*' };

/**
 * The text as one SMS segment: typographic quotes and dashes made plain, and, if it is still too
 * long, cut at `max` with "..." (never inside a surrogate pair). Text that needs UCS-2 (a name in
 * Greek script, an emoji) keeps it, within 70.
 */
export function oneSegment(text: string): string {
  const plain = [...text].map((char) => PLAIN[char] ?? char).join('');
  const { encoding } = smsLength(plain);
  const max = encoding === 'GSM-7' ? 160 : 70;
  if (smsLength(plain).units <= max) return plain;
  let out = '';
  for (const char of plain) {
    const next = out + char;
    if (smsLength(next + '...').units > max) break;
    out = next;
  }
  return `${out.trimEnd()}...`;
}
