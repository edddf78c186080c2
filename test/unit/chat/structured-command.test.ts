import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/chat/commands/parse-command-text.js';
import { parseStructuredCommand, type StructuredCommandInput } from '../../../src/chat/commands/parse-structured-command.js';
import type { ChatCommandName } from '../../../src/chat/commands/parsed-command.js';

// The same command typed on Slack and picked on Discord must come out identical.
const pairs: Array<[ChatCommandName, string, StructuredCommandInput]> = [
  ['incident', 'declare sev2 --private DB down', { subcommand: 'declare', options: { severity: 2, private: true, title: 'DB down' } }],
  ['incident', 'declare DB down', { subcommand: 'declare', options: { title: 'DB down' } }],
  ['incident', 'declare sev1 --team security Suspicious logins', { subcommand: 'declare', options: { severity: 1, team: 'security', title: 'Suspicious logins' } }],
  ['incident', 'reopen errors are back', { subcommand: 'reopen', options: { reason: 'errors are back' } }],
  ['incident', 'role commander <@42> INC-7', { subcommand: 'role', options: { role: 'commander', user: '42', incident: 'INC-7' } }],
  ['incident', 'role commander <@42> <#998877>', { subcommand: 'role', options: { role: 'commander', user: '42', incident: '<#998877>' } }],
  ['incident', 'ack', { subcommand: 'ack', options: {} }],
  ['incident', 'resolve rolled back', { subcommand: 'resolve', options: { summary: 'rolled back' } }],
  ['incident', 'sev 3', { subcommand: 'sev', options: { severity: 3 } }],
  ['incident', 'status all good', { subcommand: 'status', options: { update: 'all good' } }],
  ['incident', 'role comms <@80351110224678912>', { subcommand: 'role', options: { role: 'comms', user: '80351110224678912' } }],
  ['incident', 'note impact: EU users', { subcommand: 'note', options: { text: 'impact: EU users' } }],
  ['incident', 'timeline 2', { subcommand: 'timeline', options: { page: 2 } }],
  ['incident', 'timeline', { subcommand: 'timeline', options: {} }],
  ['incident', 'step skip', { subcommand: 'step', options: { action: 'skip' } }],
  ['incident', 'report 4 payments', { subcommand: 'report', options: { weeks: 4, team: 'payments' } }],
  ['oncall', 'payments', { subcommand: 'who', options: { team: 'payments' } }],
  ['oncall', '', { subcommand: 'who', options: {} }],
  ['oncall', 'schedule payments 14', { subcommand: 'schedule', options: { team: 'payments', days: 14 } }],
  ['oncall', 'override ops <@42> now +8h', { subcommand: 'override', options: { team: 'ops', user: '42', from: 'now', to: '+8h' } }],
  ['oncall', 'override ops <@42> 2024-03-10 09:00 tomorrow 17:00', { subcommand: 'override', options: { team: 'ops', user: '42', from: '2024-03-10 09:00', to: 'tomorrow 17:00' } }],
  ['oncall', 'page ops site down', { subcommand: 'page', options: { team: 'ops', message: 'site down' } }],
  ['oncall', 'page <@42> join please', { subcommand: 'page', options: { user: '42', message: 'join please' } }],
  ['oncall', 'preview ops tomorrow 09:00', { subcommand: 'preview', options: { team: 'ops', at: 'tomorrow 09:00' } }],
];

describe('parseStructuredCommand', () => {
  it.each(pairs)('/%s %j equals its Discord form', (command, text, structured) => {
    const typed = parseCommandText(command, text);
    expect(typed.kind).not.toBe('usage_error');
    expect(parseStructuredCommand(command, structured)).toEqual(typed);
  });

  it('gives the text form its errors, with the usage line', () => {
    expect(parseStructuredCommand('incident', { subcommand: 'sev', options: { severity: 7 } })).toMatchObject({
      kind: 'usage_error',
      message: 'Severity must be 1 to 4 (got 7)',
      usage: '/incident sev <1-4>',
    });
    expect(parseStructuredCommand('oncall', { subcommand: 'override', options: { team: 'ops', user: '1', from: 'later', to: '+1h' } })).toMatchObject({
      message: expect.stringContaining('From: Cannot read "later"'),
      usage: '/oncall override <team> @user <from> <to>',
    });
    expect(parseStructuredCommand('oncall', { subcommand: 'page', options: { team: 'ops', user: '1', message: 'x' } })).toMatchObject({
      message: 'Give a team or a user, not both',
    });
    expect(parseStructuredCommand('oncall', { subcommand: 'page', options: { message: 'x' } })).toMatchObject({ message: 'Team or user is required' });
    expect(parseStructuredCommand('incident', { subcommand: 'acknowledge', options: {} })).toMatchObject({
      message: 'Unknown subcommand "acknowledge". Did you mean "ack"?',
    });
  });
});
