import { describe, expect, it } from 'vitest';
import { sharePointFileName, teamChannelOf } from '../../../../src/chat/teams/teams-chat-port.js';

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
});
