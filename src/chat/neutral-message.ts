/**
 * A chat message as the core writes it, before any platform shapes it. Text is a small,
 * portable Markdown: **bold**, _italic_, `code`, ```blocks```, [label](https://link), and
 * "- " bullets. Each adapter renders it (Slack mrkdwn/Block Kit, Discord embeds/components)
 * and enforces its platform's limits, truncating rather than letting the platform refuse.
 *
 * Text is full of words the bot did not write: alert titles, descriptions and annotations,
 * typed titles, notes and summaries. So every mention-like thing in it (<@U1>, <!channel>,
 * <!subteam^S1>, @everyone, <@&role>, <#C1>) is shown as plain text and notifies nobody, except
 * the people and channels the message lists in `mentions`: those the bot itself named with
 * mention() or channelLink().
 */
export type MessageColor = 'red' | 'orange' | 'yellow' | 'green' | 'blue' | 'grey';

export interface MessageField {
  label: string;
  value: string;
}

export interface MessageSection {
  text?: string;
  fields?: MessageField[];
}

export interface MessageButton {
  /** Action id the adapter sends back on a click, e.g. "incident.ack". */
  action: string;
  label: string;
  /** Opaque value carried back with the click, e.g. the incident number. */
  value: string;
  style?: 'primary' | 'danger';
}

export interface NeutralMessage {
  /** Plain one-line text: notifications, screen readers, and platforms that show no cards. */
  summary: string;
  title?: string;
  /** Link for the title (e.g. the alert's source). */
  titleUrl?: string;
  color?: MessageColor;
  sections: MessageSection[];
  buttons?: MessageButton[];
  /** Small print under the message (times, ids). */
  footer?: string;
  /** Where the full text lives when a section had to be truncated. */
  fullTextUrl?: string;
  /**
   * Platform ids of the people (mention()) and channels (channelLink()) the bot means to name in
   * this message. Only these render live; the same syntax with any other id is shown as text.
   */
  mentions?: readonly string[];
}

/** People the core mentions are named by their platform id, resolved by the core beforehand; list the id in `mentions`. */
export function mention(userId: string): string {
  return `<@${userId}>`;
}

/** A link to a channel by its platform id; list the id in `mentions`. */
export function channelLink(channelId: string): string {
  return `<#${channelId}>`;
}
