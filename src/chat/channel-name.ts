/** Slack's rules, which Discord also accepts: lowercase letters, digits and dashes, at most 80 characters. */
export const MAX_CHANNEL_NAME = 80;

export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** inc-<number>-<slug of the title>, with "-<suffix>" when that name is taken. */
export function incidentChannelName(incidentNumber: number, title: string, suffix?: number): string {
  const head = `inc-${incidentNumber}`;
  const tail = suffix ? `-${suffix}` : '';
  const room = MAX_CHANNEL_NAME - head.length - tail.length - 1;
  const slug = slugify(title).slice(0, room).replace(/-+$/, '');
  return slug ? `${head}-${slug}${tail}` : `${head}${tail}`;
}
