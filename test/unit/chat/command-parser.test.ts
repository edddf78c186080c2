import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/chat/commands/parse-command-text.js';
import type { ChatCommandName, ParsedCommand } from '../../../src/chat/commands/parsed-command.js';
import { CommandUsageError } from '../../../src/chat/commands/command-usage-error.js';

const ok: Array<[ChatCommandName, string, ParsedCommand]> = [
  ['incident', 'declare Checkout is down', { kind: 'incident.declare', private: false, title: 'Checkout is down' }],
  ['incident', 'declare sev2 --private DB is down', { kind: 'incident.declare', severity: 2, private: true, title: 'DB is down' }],
  ['incident', 'declare --private SEV1 Leak', { kind: 'incident.declare', severity: 1, private: true, title: 'Leak' }],
  ['incident', 'declare Leak of keys --private', { kind: 'incident.declare', private: true, title: 'Leak of keys' }],
  ['incident', 'declare 500 errors on /pay', { kind: 'incident.declare', private: false, title: '500 errors on /pay' }],
  ['incident', 'declare sev3   Slow   search\nsince 9:00', { kind: 'incident.declare', severity: 3, private: false, title: 'Slow   search\nsince 9:00' }],
  ['incident', 'declare --team sec Login page down', { kind: 'incident.declare', private: false, team: 'sec', title: 'Login page down' }],
  ['incident', 'declare sev1 Login page down --team security --private', { kind: 'incident.declare', severity: 1, private: true, team: 'security', title: 'Login page down' }],
  ['incident', 'declare Login --team=payments page down', { kind: 'incident.declare', private: false, team: 'payments', title: 'Login page down' }],
  ['incident', 'declare sev2 --team "Site Reliability" Disk full', { kind: 'incident.declare', severity: 2, private: false, team: 'Site Reliability', title: 'Disk full' }],
  ['incident', 'ack', { kind: 'incident.ack' }],
  ['incident', '  ACK  ', { kind: 'incident.ack' }],
  ['incident', 'mitigate', { kind: 'incident.mitigate' }],
  ['incident', 'resolve', { kind: 'incident.resolve' }],
  ['incident', 'resolve rolled back v2.3', { kind: 'incident.resolve', summary: 'rolled back v2.3' }],
  ['incident', 'reopen', { kind: 'incident.reopen' }],
  ['incident', 'reopen errors are back after the deploy', { kind: 'incident.reopen', reason: 'errors are back after the deploy' }],
  ['incident', 'sev 2', { kind: 'incident.sev', severity: 2 }],
  ['incident', 'sev sev3', { kind: 'incident.sev', severity: 3 }],
  ['incident', 'sev2', { kind: 'incident.sev', severity: 2 }],
  ['incident', 'SEV4', { kind: 'incident.sev', severity: 4 }],
  ['incident', 'status Rolling back, ETA 10m', { kind: 'incident.status', update: 'Rolling back, ETA 10m' }],
  ['incident', 'role commander <@U123>', { kind: 'incident.role', role: 'commander', user: { platformId: 'U123' } }],
  ['incident', 'role Comms <@U123|jane>', { kind: 'incident.role', role: 'comms', user: { platformId: 'U123', name: 'jane' } }],
  ['incident', 'role scribe <@!4455>', { kind: 'incident.role', role: 'scribe', user: { platformId: '4455' } }],
  ['incident', 'role commander <@U123> INC-12', { kind: 'incident.role', role: 'commander', user: { platformId: 'U123' }, incidentNumber: 12 }],
  ['incident', 'role commander <@U123> inc-12', { kind: 'incident.role', role: 'commander', user: { platformId: 'U123' }, incidentNumber: 12 }],
  ['incident', 'role comms <@U123> 12', { kind: 'incident.role', role: 'comms', user: { platformId: 'U123' }, incidentNumber: 12 }],
  ['incident', 'role comms <@U123> #inc-12-checkout-down', { kind: 'incident.role', role: 'comms', user: { platformId: 'U123' }, incidentNumber: 12 }],
  ['incident', 'role comms <@U123> <#C0INC12|inc-12-checkout-down>', { kind: 'incident.role', role: 'comms', user: { platformId: 'U123' }, incidentNumber: 12 }],
  ['incident', 'role scribe <@123> <#998877>', { kind: 'incident.role', role: 'scribe', user: { platformId: '123' }, incidentChannel: '998877' }],
  ['incident', 'note customers see 502s', { kind: 'incident.note', text: 'customers see 502s' }],
  ['incident', 'note rootcause: expired cert', { kind: 'incident.note', text: 'expired cert', tag: 'rootcause' }],
  ['incident', 'note Root cause: expired cert', { kind: 'incident.note', text: 'expired cert', tag: 'rootcause' }],
  ['incident', 'note impact: 5% of logins', { kind: 'incident.note', text: '5% of logins', tag: 'impact' }],
  ['incident', 'note action: add cert expiry alert', { kind: 'incident.note', text: 'add cert expiry alert', tag: 'action' }],
  ['incident', 'timeline', { kind: 'incident.timeline', page: 1 }],
  ['incident', 'timeline 3', { kind: 'incident.timeline', page: 3 }],
  ['incident', 'step', { kind: 'incident.step', action: 'show' }],
  ['incident', 'step done', { kind: 'incident.step', action: 'done' }],
  ['incident', 'step skip', { kind: 'incident.step', action: 'skip' }],
  ['incident', 'step back', { kind: 'incident.step', action: 'back' }],
  ['incident', 'step rollback-ok', { kind: 'incident.step', action: 'choose', choiceId: 'rollback-ok' }],
  ['incident', 'postmortem', { kind: 'incident.postmortem' }],
  ['incident', 'list', { kind: 'incident.list' }],
  ['incident', 'report', { kind: 'incident.report' }],
  ['incident', 'report 4', { kind: 'incident.report', weeks: 4 }],
  ['incident', 'report 4 payments', { kind: 'incident.report', weeks: 4, team: 'payments' }],
  ['incident', 'report payments', { kind: 'incident.report', team: 'payments' }],
  ['incident', 'help', { kind: 'incident.help' }],
  ['incident', '', { kind: 'incident.help' }],
  ['oncall', '', { kind: 'oncall.who' }],
  ['oncall', 'payments', { kind: 'oncall.who', team: 'payments' }],
  ['oncall', 'who payments', { kind: 'oncall.who', team: 'payments' }],
  ['oncall', 'schedule payments', { kind: 'oncall.schedule', team: 'payments' }],
  ['oncall', 'schedule payments 14', { kind: 'oncall.schedule', team: 'payments', days: 14 }],
  [
    'oncall',
    'override payments <@U1> 2024-03-10 09:00 2024-03-10 17:00',
    { kind: 'oncall.override', team: 'payments', user: { platformId: 'U1' }, from: '2024-03-10 09:00', to: '2024-03-10 17:00' },
  ],
  ['oncall', 'override payments <@U1|bob> now to +8h', { kind: 'oncall.override', team: 'payments', user: { platformId: 'U1', name: 'bob' }, from: 'now', to: '+8h' }],
  [
    'oncall',
    'override ops <@U1> tomorrow 09:00 2024-03-11T17:00:00Z',
    { kind: 'oncall.override', team: 'ops', user: { platformId: 'U1' }, from: 'tomorrow 09:00', to: '2024-03-11T17:00:00Z' },
  ],
  ['oncall', 'override ops <@U1> "tomorrow 09:00" "tomorrow 17:00"', { kind: 'oncall.override', team: 'ops', user: { platformId: 'U1' }, from: 'tomorrow 09:00', to: 'tomorrow 17:00' }],
  ['oncall', 'page payments Checkout is down', { kind: 'oncall.page', target: { type: 'team', team: 'payments' }, message: 'Checkout is down' }],
  ['oncall', 'page <@U9|ann> please join inc-12', { kind: 'oncall.page', target: { type: 'user', user: { platformId: 'U9', name: 'ann' } }, message: 'please join inc-12' }],
  ['oncall', 'preview payments', { kind: 'oncall.preview', team: 'payments' }],
  ['oncall', 'preview payments tomorrow 09:00', { kind: 'oncall.preview', team: 'payments', at: 'tomorrow 09:00' }],
  ['oncall', 'preview payments at +12h', { kind: 'oncall.preview', team: 'payments', at: '+12h' }],
];

const errors: Array<[ChatCommandName, string, string, string]> = [
  ['incident', 'declare Login down --team', 'Team is required after --team', '/incident declare [sev1..sev4] [--private] [--team <key>] <title>'],
  ['incident', 'declare --team --private Login down', 'Team is required after --team', '/incident declare [sev1..sev4] [--private] [--team <key>] <title>'],
  ['incident', 'declare --team a --team b Login down', '--team is given twice', '/incident declare [sev1..sev4] [--private] [--team <key>] <title>'],
  ['incident', 'declare --team sec', 'Title is required', '/incident declare [sev1..sev4] [--private] [--team <key>] <title>'],
  [
    'incident',
    'role commander <@U1> INC-x',
    'Incident must be an incident number such as INC-12, or its channel (#inc-12-…) (got "INC-x")',
    '/incident role <commander|comms|scribe> @user [INC-n|#channel]',
  ],
  ['incident', 'role commander <@U1> INC-0', 'Incident must be an incident number such as INC-12, or its channel (#inc-12-…) (got "INC-0")', '/incident role <commander|comms|scribe> @user [INC-n|#channel]'],
  ['incident', 'role commander <@U1> INC-12 now', 'Unexpected "now"', '/incident role <commander|comms|scribe> @user [INC-n|#channel]'],
  ['incident', 'acknowledge', 'Unknown subcommand "acknowledge". Did you mean "ack"?', '/incident ack'],
  ['incident', 'resolv fixed', 'Unknown subcommand "resolv". Did you mean "resolve"?', '/incident resolve [summary]'],
  ['incident', 'frobnicate', 'Unknown subcommand "frobnicate". Try /incident help.', '/incident <declare|ack|mitigate|resolve|reopen|sev|status|role|note|timeline|step|postmortem|noise|list|web|maintenance|report|help> ...'],
  ['incident', 'declare', 'Title is required', '/incident declare [sev1..sev4] [--private] [--team <key>] <title>'],
  ['incident', 'declare sev2 --private', 'Title is required', '/incident declare [sev1..sev4] [--private] [--team <key>] <title>'],
  ['incident', 'declare sev7 Everything', 'Severity must be 1 to 4 (got 7)', '/incident declare [sev1..sev4] [--private] [--team <key>] <title>'],
  ['incident', 'sev 7', 'Severity must be 1 to 4 (got 7)', '/incident sev <1-4>'],
  ['incident', 'sev7', 'Severity must be 1 to 4 (got 7)', '/incident sev <1-4>'],
  ['incident', 'sev 0', 'Severity must be 1 to 4 (got 0)', '/incident sev <1-4>'],
  ['incident', 'sev high', 'Severity must be 1 to 4 (got "high")', '/incident sev <1-4>'],
  ['incident', 'sev', 'Severity is required', '/incident sev <1-4>'],
  ['incident', 'sev 2 3', 'Unexpected "3"', '/incident sev <1-4>'],
  ['incident', 'ack now', '"ack" takes no arguments (got "now")', '/incident ack'],
  ['incident', 'status', 'Update is required', '/incident status <update>'],
  ['incident', 'role boss <@U1>', 'Role must be one of commander, comms, scribe (got "boss")', '/incident role <commander|comms|scribe> @user [INC-n|#channel]'],
  ['incident', 'role comander <@U1>', 'Role must be one of commander, comms, scribe (got "comander"). Did you mean "commander"?', '/incident role <commander|comms|scribe> @user [INC-n|#channel]'],
  ['incident', 'role comms bob', 'User must be an @mention (got "bob")', '/incident role <commander|comms|scribe> @user [INC-n|#channel]'],
  ['incident', 'role comms @bob', 'User must be an @mention (pick the person from the @ list so it becomes a mention) (got "@bob")', '/incident role <commander|comms|scribe> @user [INC-n|#channel]'],
  ['incident', 'role comms', 'User is required', '/incident role <commander|comms|scribe> @user [INC-n|#channel]'],
  ['incident', 'note', 'Note text is required', '/incident note <text>'],
  ['incident', 'note impact:', 'Note text is required after "impact:"', '/incident note <text>'],
  ['incident', 'timeline two', 'Page must be a whole number from 1 to 10000 (got "two")', '/incident timeline [page]'],
  ['incident', 'timeline 0', 'Page must be a whole number from 1 to 10000 (got 0)', '/incident timeline [page]'],
  ['incident', 'step done now', 'Unexpected "now"', '/incident step [done|skip|back|<choice id>]'],
  ['incident', 'report 99', 'Weeks must be a whole number from 1 to 52 (got 99)', '/incident report [weeks] [team]'],
  ['incident', 'list all', '"list" takes no arguments (got "all")', '/incident list'],
  ['oncall', 'shedule payments', 'Unknown subcommand "shedule". Did you mean "schedule"?', '/oncall schedule <team> [days]'],
  ['oncall', 'payments now', 'Unexpected "now"', '/oncall [team]'],
  ['oncall', 'schedule', 'Team is required', '/oncall schedule <team> [days]'],
  ['oncall', 'schedule payments soon', 'Days must be a whole number from 1 to 90 (got "soon")', '/oncall schedule <team> [days]'],
  ['oncall', 'override payments', 'User is required', '/oncall override <team> @user <from> <to>'],
  ['oncall', 'override payments <@U1> now', 'To is required', '/oncall override <team> @user <from> <to>'],
  [
    'oncall',
    'override payments <@U1> yesterday-ish +2h',
    'From: Cannot read "yesterday-ish" as a time; use an ISO time (2024-03-10T09:00Z), "2024-03-10 09:00", "now", "+2h" or "tomorrow 09:00"',
    '/oncall override <team> @user <from> <to>',
  ],
  ['oncall', 'override payments <@U1> 2024-02-30 09:00 +2h', 'From: "2024-02-30 09:00" is not a valid date and time', '/oncall override <team> @user <from> <to>'],
  ['oncall', 'override payments <@U1> now tomorrow 25:00', 'To: "tomorrow 25:00" is not a valid time of day', '/oncall override <team> @user <from> <to>'],
  ['oncall', 'page payments', 'Message is required', '/oncall page <team|@user> <message>'],
  ['oncall', 'page', 'Team or user is required', '/oncall page <team|@user> <message>'],
  ['oncall', 'preview payments whenever', 'At: Cannot read "whenever" as a time; use an ISO time (2024-03-10T09:00Z), "2024-03-10 09:00", "now", "+2h" or "tomorrow 09:00"', '/oncall preview <team> [at]'],
];

describe('parseCommandText', () => {
  it.each(ok)('/%s %j', (command, text, expected) => {
    expect(parseCommandText(command, text)).toEqual(expected);
  });

  it.each(errors)('/%s %j is refused', (command, text, message, usage) => {
    const result = parseCommandText(command, text);
    expect(result).toBeInstanceOf(CommandUsageError);
    expect(result).toMatchObject({ kind: 'usage_error', message, usage });
  });

  it('accepts every Slack and Discord mention form', () => {
    const forms: Array<[string, { platformId: string; name?: string }]> = [
      ['<@U024BE7LH>', { platformId: 'U024BE7LH' }],
      ['<@U024BE7LH|bob>', { platformId: 'U024BE7LH', name: 'bob' }],
      ['<@W123ABC|Jane Doe>', { platformId: 'W123ABC', name: 'Jane Doe' }],
      ['<@80351110224678912>', { platformId: '80351110224678912' }],
      ['<@!80351110224678912>', { platformId: '80351110224678912' }],
    ];
    for (const [mention, user] of forms) {
      expect(parseCommandText('incident', `role commander ${mention}`)).toEqual({ kind: 'incident.role', role: 'commander', user });
    }
  });

  it('never throws, whatever the text', () => {
    const samples = ['"', '<', '<@', '""', 'declare "', "note '", 'sev --private', '\n\n', 'role <@U1|', 'override a <@U1> "', '🔥🔥'];
    for (const text of samples) {
      for (const command of ['incident', 'oncall'] as const) expect(() => parseCommandText(command, text)).not.toThrow();
    }
  });
});

describe('parseCommandText on arbitrary input', () => {
  it('returns a command or a usage error with a usage line, never throws', async () => {
    const fc = (await import('fast-check')).default;
    const word = fc.oneof(
      fc.constantFrom('declare', 'ack', 'sev', 'sev9', 'role', 'note', 'step', 'report', 'schedule', 'override', 'page', 'preview', '--private', '<@U1>', '"', 'tomorrow', '09:00', 'now', '+2h'),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.constantFrom('incident' as const, 'oncall' as const), fc.array(word, { maxLength: 8 }), (command, words) => {
        const result = parseCommandText(command, words.join(' '));
        if (result.kind === 'usage_error') expect(result.usage).toMatch(new RegExp(`^/${command}`));
        else expect(result.kind.startsWith(`${command}.`)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
