import { describe, expect, it } from 'vitest';
import { toMattermostMarkdown } from '../../../../src/chat/mattermost/mattermost-markdown.js';
import { MATTERMOST_LIMITS, mattermostText, renderMattermostPost, signButton, verifyButton } from '../../../../src/chat/mattermost/mattermost-post.js';
import { mention } from '../../../../src/chat/neutral-message.js';
import { mattermostNotifications } from '../../../support/fake-mattermost/index.js';

const key = Buffer.from('test-key');
const buttons = { url: 'https://bot.example.com/mattermost/actions?key=k', key };
const ALICE = 'q3mcmn5akfrbjq8bwetm4ysb4a';
const users = new Map([[ALICE, 'alice'], ['x7mcmn5akfrbjq8bwetm4ysb4b', 'mallory']]);

describe('Mattermost rendering', () => {
  it('shows @channel, @all, @here, @name and foreign mention syntax as text that notifies nobody', () => {
    // Mattermost's parser also splits words on . - : _ and <: each of these notifies if left as it is.
    const hostile = '@channel @all @here @bob hi@there <@x7mcmn5akfrbjq8bwetm4ysb4b> <!channel> email a@b.c .@channel v1.@all _@here_ x.@alice <@channel <@bob.smith> -@all :@here';
    const rendered = toMattermostMarkdown(hostile, new Map());
    expect(mattermostNotifications(rendered)).toEqual([]);
    expect(rendered.replace(/\u200b/g, '')).toBe(hostile);
  });

  it('names only the people the message lists, by username', () => {
    const post = renderMattermostPost({ summary: `Paging ${mention(ALICE)}`, sections: [{ text: `Paging ${mention(ALICE)}, not <@x7mcmn5akfrbjq8bwetm4ysb4b>` }], mentions: [ALICE] }, buttons, users);
    const text = `${post.message}\n${post.props.attachments[0]!.text}\n${post.props.attachments[0]!.fallback}`;
    expect(mattermostNotifications(text)).toEqual(['alice', 'alice', 'alice']);
    expect(text).not.toContain('mallory');
  });

  it('gives buttons letter-and-digit ids and a signed context that verifies only unchanged', () => {
    const post = renderMattermostPost({ summary: 'INC-7', title: 'INC-7', sections: [], buttons: [{ action: 'incident.ack', label: 'Acknowledge', value: '7', style: 'primary' }, { action: 'step.choose', label: 'Roll back', value: '7:s1:rollback' }] }, buttons);
    const actions = post.props.attachments[0]!.actions!;
    for (const action of actions) expect(action.id).toMatch(/^[A-Za-z0-9]+$/);
    expect(new Set(actions.map((a) => a.id)).size).toBe(2);
    expect(verifyButton(key, actions[1]!.integration.context)).toEqual({ action: 'step.choose', value: '7:s1:rollback' });
    expect(verifyButton(key, { ...actions[0]!.integration.context, value: '8' })).toBeUndefined();
    expect(verifyButton(Buffer.from('other'), actions[0]!.integration.context)).toBeUndefined();
    expect(verifyButton(key, { action: 'incident.ack', value: '7', signature: signButton(key, 'incident.ack', '7').slice(1) })).toBeUndefined();
    expect(verifyButton(key, 'not an object')).toBeUndefined();
  });

  it('cuts a long text with an unclosed link quickly (linear scan)', () => {
    const post = renderMattermostPost({ summary: 'x', title: 'x', sections: [{ text: '['.repeat(200_000) }, { text: '[a]('.repeat(50_000) }] }, buttons);
    expect(post.props.attachments[0]!.text!.length).toBeLessThanOrEqual(MATTERMOST_LIMITS.attachmentText);
    expect(post.props.attachments[0]!.text).toMatch(/\(truncated\)$/);
  });

  it('keeps within Mattermost`s limits, saying where the rest is', () => {
    const long = 'word '.repeat(10_000);
    const post = renderMattermostPost({ summary: long, title: long, sections: [{ text: long, fields: [{ label: 'x', value: long }] }], fullTextUrl: 'https://bot.example.com/ui/incidents/7' }, buttons);
    expect(post.message.length).toBeLessThanOrEqual(MATTERMOST_LIMITS.message);
    expect(post.props.attachments[0]!.text!.length).toBeLessThanOrEqual(MATTERMOST_LIMITS.attachmentText);
    expect(post.props.attachments[0]!.text).toContain('[full text](https://bot.example.com/ui/incidents/7)');
    expect(post.props.attachments[0]!.fields![0]!.value.length).toBeLessThanOrEqual(MATTERMOST_LIMITS.fieldValue);
    expect(mattermostText({ summary: long, sections: [{ text: long }] }).length).toBeLessThanOrEqual(MATTERMOST_LIMITS.message);
  });
});
