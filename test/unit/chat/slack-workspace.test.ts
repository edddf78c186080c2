import { describe, expect, it } from 'vitest';
import { ChatApiError } from '../../../src/chat/chat-port.js';
import { authTestRefusal, fromBotWorkspace, type BotWorkspace } from '../../../src/chat/slack/slack-workspace.js';

const WORKSPACE: BotWorkspace = { teamId: 'T0HOME0001', enterpriseInstall: false, botUserId: 'U0BOT', botId: 'B0BOT' };
const ORG_WIDE: BotWorkspace = { teamId: 'E0ORG0001', enterpriseId: 'E0ORG0001', enterpriseInstall: true, botUserId: 'U0BOT' };

describe('fromBotWorkspace', () => {
  it('lets through only the workspace the bot token belongs to', () => {
    expect(fromBotWorkspace(WORKSPACE, { teamId: 'T0HOME0001', enterpriseId: undefined })).toBe(true);
    expect(fromBotWorkspace(WORKSPACE, { teamId: 'T0HOME0001', enterpriseId: 'E0ANY' })).toBe(true);
    expect(fromBotWorkspace(WORKSPACE, { teamId: 'T0OTHER001', enterpriseId: undefined })).toBe(false);
    expect(fromBotWorkspace(WORKSPACE, { teamId: undefined as never, enterpriseId: undefined })).toBe(false);
  });

  it('for an org-wide install, lets through the org`s workspaces and no other org', () => {
    expect(fromBotWorkspace(ORG_WIDE, { teamId: 'T0ANYTEAM1', enterpriseId: 'E0ORG0001' })).toBe(true);
    expect(fromBotWorkspace(ORG_WIDE, { teamId: undefined as never, enterpriseId: 'E0ORG0001' })).toBe(true);
    expect(fromBotWorkspace(ORG_WIDE, { teamId: 'T0ANYTEAM1', enterpriseId: 'E0OTHER01' })).toBe(false);
    expect(fromBotWorkspace(ORG_WIDE, { teamId: 'E0ORG0001', enterpriseId: undefined })).toBe(false);
  });
});

describe('authTestRefusal', () => {
  it('names the token when Slack refuses it, and the URL (without credentials) when the answer is not Slack`s', () => {
    expect(authTestRefusal(new ChatApiError('slack', 'auth.test', 'token_revoked'), undefined)).toMatch(/^Slack refused SLACK_BOT_TOKEN \(auth\.test: token_revoked\)/);
    expect(authTestRefusal(new ChatApiError('slack', 'auth.test', 'http_404', { retryable: false, status: 404 }), 'https://user:secret@proxy.example/api/')).toBe(
      "Slack's auth.test answered HTTP 404 at SLACK_API_URL=https://proxy.example/api/: check SLACK_API_URL (the Web API base, e.g. https://slack.com/api/)",
    );
  });
});
