// Line breaks of every kind (CR, LF, VT, FF, NEL, U+2028, U+2029), tabs and the other C0/C1
// controls, with the blanks around them. Zero-width joiners and the like are left alone: emoji need them.
const BREAKS_AND_CONTROLS = /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]*[\u0000-\u001f\u007f-\u009f\u2028\u2029]+[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]*/g;

/**
 * Text that someone else wrote (an alert title, a typed title) as one line, for the places that
 * hold one: a Markdown heading or table cell, a channel topic or purpose, a card or page title.
 * A line break there ends the heading and spills the rest into the body. Each run of breaks and
 * control characters becomes one space; the stored text keeps its own form.
 */
export function oneLine(text: string): string {
  return text.replace(BREAKS_AND_CONTROLS, ' ').trim();
}
