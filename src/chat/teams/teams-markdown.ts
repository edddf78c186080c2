import { truncateMarkup } from '../text-truncation.js';
import { isWebUrl } from '../web-url.js';

const ZERO_WIDTH_SPACE = '\u200b';

/** A person the message names live: the id Teams mentions by, and the name shown in <at>…</at>. */
export interface LiveMention {
  id: string;
  name: string;
}

// Neutral mentions (<@id>, <#id>), Slack's and Discord's broadcast forms, and Teams' own <at> tags.
const MENTION_LIKE = /<(@|#)([^<>\s]{1,200})>|<(\/?)(at)\b|<!(channel|here|everyone)>/gi;

/**
 * Neutral Markdown as TextBlock text (Teams' subset: **bold**, _italic_, [label](url), "- " lists).
 * Teams mentions only through msteams.entities, and an entity binds to its exact "<at>Name</at>"
 * text, so every "<at" in outside text is broken with a zero-width space (it could otherwise
 * reuse a live mention's tag) and only ids in `live` become <at> tags; `mentioned` collects them.
 */
export function toTeamsMarkdown(text: string, live: ReadonlyMap<string, LiveMention>, mentioned?: Map<string, LiveMention>): string {
  return text.replace(/\r\n?/g, '\n').replace(MENTION_LIKE, (whole, kind: string | undefined, id: string | undefined, slash: string | undefined, at: string | undefined, broadcast: string | undefined) => {
    if (at) return `<${slash}${ZERO_WIDTH_SPACE}${at}`;
    if (broadcast) return `<!${ZERO_WIDTH_SPACE}${broadcast}>`;
    if (kind === '@' && live.has(id!)) {
      const person = live.get(id!)!;
      mentioned?.set(person.id, person);
      return atTag(person.name);
    }
    return `<${kind}${ZERO_WIDTH_SPACE}${id}>`;
  });
}

/** The tag an entity binds to; the name is made plain so it cannot close the tag early. */
export function atTag(name: string): string {
  return `<at>${plainName(name)}</at>`;
}

export function plainName(name: string): string {
  return name.replace(/[<>]/g, '').replace(/\s+/g, ' ').trim().slice(0, 100) || 'someone';
}

/** Plain text (summaries, invoke answers, file comments): nothing in it mentions anyone. */
export function plainTeamsText(text: string): string {
  return toTeamsMarkdown(text, new Map());
}

// Links and <at> tags are cut whole or not at all. Bounded repeats keep the scan linear.
const PROTECTED = /\[[^\]\n]{0,1000}\]\([^)\s]{0,2000}\)|<at>[^<]{0,100}<\/at>/g;

export function truncateTeamsMarkdown(text: string, max: number, fullTextUrl?: string): string {
  const linkable = isWebUrl(fullTextUrl) && !/[\s)]/.test(fullTextUrl);
  return truncateMarkup(text, max, { protect: PROTECTED, fullTextLink: linkable ? `[full text](${fullTextUrl})` : undefined });
}
