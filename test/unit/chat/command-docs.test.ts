import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMAND_SPECS } from '../../../src/chat/commands/command-spec.js';
import { helpMessage, helpText, usageLine, usageTable } from '../../../src/chat/commands/command-usage.js';
import { discordCommandDefinitions } from '../../../src/chat/discord/discord-command-definitions.js';
import type { IncidentCommandKind } from '../../../src/chat/commands/command-dispatch.js';
import { projectRoot } from '../../../src/project-root.js';

describe('command docs from the spec table', () => {
  it('prints the usage lines of the design contract', () => {
    expect(COMMAND_SPECS.map(usageLine)).toEqual([
      '/incident declare [sev1..sev4] [--private] [--team <key>] <title>',
      '/incident ack',
      '/incident mitigate',
      '/incident resolve [summary]',
      '/incident reopen [reason]',
      '/incident sev <1-4>',
      '/incident status <update>',
      '/incident role <commander|comms|scribe> @user [INC-n|#channel]',
      '/incident note <text>',
      '/incident timeline [page]',
      '/incident step [done|skip|back|<choice id>]',
      '/incident postmortem',
      '/incident noise [reason]',
      '/incident list',
      '/incident web',
      '/incident maintenance <start ...|list|end <id>>',
      '/incident report [weeks] [team]',
      '/incident help',
      '/oncall [team]',
      '/oncall schedule <team> [days]',
      '/oncall override <team> @user <from> <to>',
      '/oncall overrides [team]',
      '/oncall unoverride <id>',
      '/oncall calendar [reset] [schedule]',
      '/oncall load [weeks] [team]',
      '/oncall cover <from> <to> [reason]',
      '/oncall take <id>',
      '/oncall swap @user <my shift> <their shift>',
      '/oncall answer <id> <accept|decline>',
      '/oncall page <team|@user> <message>',
      '/oncall preview <team> [at]',
      '/oncall contact',
      '/oncall verify [code]',
      '/oncall test-page [@user]',
      '/oncall heartbeats',
    ]);
  });

  it('marks exactly the incident-channel commands, in the table and in the handler types', () => {
    const needing: IncidentCommandKind[] = [
      'incident.ack',
      'incident.mitigate',
      'incident.resolve',
      'incident.reopen',
      'incident.sev',
      'incident.status',
      'incident.role',
      'incident.note',
      'incident.timeline',
      'incident.step',
      'incident.postmortem',
      'incident.noise',
    ];
    expect(COMMAND_SPECS.filter((spec) => spec.needsIncident).map((spec) => spec.kind)).toEqual(needing);
  });

  it('generates help and a README table with every command', () => {
    const help = helpText();
    const table = usageTable();
    for (const spec of COMMAND_SPECS) {
      expect(help).toContain(usageLine(spec));
      expect(table).toContain(usageLine(spec).replace(/\|/g, '\\|'));
    }
    expect(helpMessage().sections).toHaveLength(2);
  });

  it('defines Discord slash commands Discord accepts', () => {
    const definitions = discordCommandDefinitions();
    expect(definitions.map((command) => command.name)).toEqual(['incident', 'oncall']);
    for (const command of definitions) {
      expect((command as { description: string }).description.length).toBeLessThanOrEqual(100);
      const subcommands = (command as { options: Array<{ name: string; description: string; options?: Array<Record<string, unknown>> }> }).options;
      expect(subcommands.length).toBeLessThanOrEqual(25);
      for (const sub of subcommands) {
        expect(sub.name).toMatch(/^[-_a-z0-9]{1,32}$/);
        expect(sub.description.length).toBeGreaterThan(0);
        expect(sub.description.length).toBeLessThanOrEqual(100);
        const options = sub.options ?? [];
        const firstOptional = options.findIndex((option) => !option.required);
        if (firstOptional >= 0) expect(options.slice(firstOptional).every((option) => !option.required)).toBe(true);
        expect(new Set(options.map((option) => option.name)).size).toBe(options.length);
        for (const option of options) {
          expect(option.name).toMatch(/^[-_a-z0-9]{1,32}$/);
          expect(String(option.description).length).toBeLessThanOrEqual(100);
        }
      }
    }
    const incident = definitions[0] as unknown as { options: Array<{ name: string; options?: Array<Record<string, unknown>> }> };
    const declare = incident.options.find((sub) => sub.name === 'declare')!;
    expect(declare.options).toEqual([
      { name: 'title', description: 'What is wrong, in a few words', required: true, type: 3 },
      {
        name: 'severity',
        description: 'Severity, 1 (worst) to 4',
        required: false,
        type: 4,
        choices: [
          { name: 'SEV1 (critical)', value: 1 },
          { name: 'SEV2 (major)', value: 2 },
          { name: 'SEV3 (minor)', value: 3 },
          { name: 'SEV4 (low)', value: 4 },
        ],
      },
      { name: 'private', description: 'Private channel (security incidents)', required: false, type: 5 },
      { name: 'team', description: 'Team (as in oncall.yaml) whose escalation policy is paged', required: false, type: 3 },
    ]);
    const role = incident.options.find((sub) => sub.name === 'role')!;
    expect(role.options?.[1]).toMatchObject({ name: 'user', type: 6, required: true });
    expect(role.options?.[2]).toMatchObject({ name: 'incident', type: 3, required: false });
    expect(incident.options.find((sub) => sub.name === 'reopen')!.options).toEqual([{ name: 'reason', description: 'Why it is not over', required: false, type: 3 }]);
    const oncall = definitions[1] as unknown as { options: Array<{ name: string; options?: Array<Record<string, unknown>> }> };
    expect(oncall.options.map((sub) => sub.name)).toEqual(['who', 'schedule', 'override', 'overrides', 'unoverride', 'calendar', 'load', 'cover', 'take', 'swap', 'answer', 'page', 'preview', 'contact', 'verify', 'test-page', 'heartbeats']);
    expect(oncall.options.find((sub) => sub.name === 'page')!.options!.map((option) => [option.name, option.type])).toEqual([
      ['message', 3],
      ['team', 3],
      ['user', 6],
    ]);
  });
});

describe('the Slack app manifest', () => {
  const manifest = parse(readFileSync(join(projectRoot(), 'slack-manifest.yaml'), 'utf8')) as {
    features: { slash_commands: { command: string; usage_hint: string }[] };
  };

  it('hints every subcommand of each slash command, within Slack`s 1,000 characters', () => {
    for (const command of ['incident', 'oncall'] as const) {
      const hint = manifest.features.slash_commands.find((entry) => entry.command === `/${command}`)?.usage_hint ?? '';
      expect(hint.length).toBeLessThanOrEqual(1000);
      const hinted = hint.split(' | ').map((part) => part.split(' ')[0]);
      const names = COMMAND_SPECS.filter((spec) => spec.command === command).map((spec) => (spec.bare ? '[team]' : spec.name));
      expect(hinted, `/${command} usage_hint`).toEqual(names);
    }
  });
});
