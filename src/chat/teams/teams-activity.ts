/** The parts of a Bot Framework activity the bot reads. */
export interface TeamsActivity {
  type: string;
  id?: string;
  name?: string;
  serviceUrl?: string;
  channelId?: string;
  text?: string;
  from?: { id?: string; name?: string; aadObjectId?: string };
  recipient?: { id?: string; name?: string };
  conversation?: { id?: string; conversationType?: string; tenantId?: string };
  channelData?: { tenant?: { id?: string } };
  entities?: { type?: string; text?: string; mentioned?: { id?: string } }[];
  value?: { action?: { type?: string; verb?: unknown; data?: { value?: unknown } } };
}

export function parseActivity(raw: string): TeamsActivity | undefined {
  try {
    const body = JSON.parse(raw) as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
    const activity = body as TeamsActivity;
    return typeof activity.type === 'string' ? activity : undefined;
  } catch {
    return undefined;
  }
}

/** The activity's tenant, from the conversation or the channel data. */
export function tenantOf(activity: TeamsActivity): string | undefined {
  return activity.conversation?.tenantId ?? activity.channelData?.tenant?.id;
}

const ENTITIES: Record<string, string> = { '&nbsp;': ' ', '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/**
 * What a person typed, as a command: the bot's own <at>…</at> mention removed (in a channel the
 * command is addressed to the bot), Teams' HTML turned back into text, and a leading "/" dropped.
 * Other people's mentions become `people`'s text for them (<@objectid|Name>), keyed by the
 * entity's "<at>Name</at>". Returns the command name and the rest; undefined command when the
 * first word is neither.
 */
export function commandTextOf(activity: TeamsActivity, people: ReadonlyMap<string, string> = new Map()): { command: 'incident' | 'oncall' | undefined; text: string } {
  let text = activity.text ?? '';
  const botId = activity.recipient?.id;
  const placeholders: string[] = [];
  for (const entity of activity.entities ?? []) {
    if (entity.type !== 'mention' || typeof entity.text !== 'string' || !entity.text) continue;
    if (entity.mentioned?.id === botId) text = text.split(entity.text).join(' ');
    else if (people.has(entity.text)) {
      placeholders.push(people.get(entity.text)!);
      text = text.split(entity.text).join(`\u0000${placeholders.length - 1}\u0000`);
    }
  }
  text = text
    .replace(/<at>[^<]{0,200}<\/at>/i, (tag, offset: number) => (text.slice(0, offset).trim() === '' ? ' ' : tag))
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/?[a-z][^>]{0,200}>/gi, '')
    .replace(/&(nbsp|amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!)
    // Only a real mention names a person: "<@id>" typed as text is not one.
    .replace(/<([@#!])/g, '<\u200b$1')
    .replace(/\u0000(\d+)\u0000/g, (_whole, index: string) => placeholders[Number(index)] ?? '')
    .trim();
  const match = /^\/?(incident|oncall)\b\s*/i.exec(text);
  if (!match) return { command: undefined, text };
  return { command: match[1]!.toLowerCase() as 'incident' | 'oncall', text: text.slice(match[0].length) };
}
