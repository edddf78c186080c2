import { describe, expect, it } from 'vitest';
import { sharePointFileName, teamChannelOf, teamsChannelName } from '../../../../src/chat/teams/teams-chat-port.js';

describe('Teams names for Microsoft Graph', () => {
  it('finds the team channel of a channel or a thread, and none for a chat', () => {
    expect(teamChannelOf('19:abc@thread.tacv2')).toBe('19:abc@thread.tacv2');
    expect(teamChannelOf('19:abc@thread.tacv2;messageid=1733300000000')).toBe('19:abc@thread.tacv2');
    expect(teamChannelOf('a:1xyz')).toBeUndefined();
    expect(teamChannelOf('19:meeting_abc@thread.v2')).toBeUndefined();
  });

  it('makes a file name SharePoint takes', () => {
    expect(sharePointFileName('INC-7-postmortem.md')).toBe('INC-7-postmortem.md');
    expect(sharePointFileName('a/b\\c:d*e?f"g<h>i|j#k%l.png')).toBe('a-b-c-d-e-f-g-h-i-j-k-l.png');
    expect(sharePointFileName(' .hidden. ')).toBe('hidden');
    expect(sharePointFileName('...')).toBe('file');
    expect(sharePointFileName('x'.repeat(300))).toHaveLength(200);
  });

  it('makes a channel name Graph takes: no forbidden characters, no leading _ or ., no trailing ., at most 50 characters', () => {
    expect(teamsChannelName('inc-7-checkout-errors')).toBe('inc-7-checkout-errors');
    expect(teamsChannelName(`inc-12-${'a'.repeat(80)}`)).toHaveLength(50);
    expect(teamsChannelName('inc-3-a~b#c%d&e*f{g}h+i/j\\k:l<m>n?o|p\'q"r')).toBe('inc-3-a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r');
    expect(teamsChannelName('_.hidden')).toBe('hidden');
    expect(teamsChannelName(`inc-9-${'x'.repeat(43)}.more`)).toBe(`inc-9-${'x'.repeat(43)}`);
    expect(teamsChannelName('...')).toBe('incident');
    for (const name of ['inc-1-disk full on db/1', `inc-2-${'é'.repeat(60)}`, 'inc-4-"quoted"', '_inc']) {
      const made = teamsChannelName(name);
      expect(made.length).toBeLessThanOrEqual(50);
      expect(made).not.toMatch(/[~#%&*{}+/\\:<>?|'"]|^[_.]|\.$/);
    }
  });
});
