import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { dispatchCommand, type CommandContext, type CommandHandlers, type CommandReply } from '../../../src/chat/commands/command-dispatch.js';
import { CommandUsageError } from '../../../src/chat/commands/command-usage-error.js';
import { parseCommandText } from '../../../src/chat/commands/parse-command-text.js';
import { parseButtonAction } from '../../../src/chat/commands/button-actions.js';

const context: CommandContext = { platform: 'slack', actor: { platformId: 'U1' }, channelId: 'C1', timeZone: 'Europe/Paris' };
const done: CommandReply = { visibility: 'in_channel', message: { summary: 'ok', sections: [] } };

function handlers(overrides: Partial<CommandHandlers> = {}): CommandHandlers {
  const calls = vi.fn(async () => done);
  return new Proxy(overrides as CommandHandlers, {
    get: (target, key: string) => (key in target ? target[key as keyof CommandHandlers] : calls),
  });
}

function text(reply: CommandReply): string {
  return reply.message.sections.map((section) => section.text).join('\n');
}

describe('dispatchCommand', () => {
  it('runs the handler with the incident resolved from the channel', async () => {
    const ack = vi.fn(async () => done);
    const reply = await dispatchCommand(parseCommandText('incident', 'ack'), { ...context, incidentNumber: 12 }, handlers({ 'incident.ack': ack }));
    expect(reply).toBe(done);
    expect(ack).toHaveBeenCalledWith({ kind: 'incident.ack' }, { ...context, incidentNumber: 12 });
  });

  it('takes the incident from a button even outside an incident channel (a page DM)', async () => {
    const ack = vi.fn(async () => done);
    await dispatchCommand(parseButtonAction({ action: 'page.ack', value: '7:p1' }), context, handlers({ 'incident.ack': ack }));
    expect(ack).toHaveBeenCalledWith({ kind: 'incident.ack', incidentNumber: 7, pageId: 'p1' }, { ...context, incidentNumber: 7 });
  });

  it('refuses incident commands outside an incident channel', async () => {
    const resolve = vi.fn(async () => done);
    const reply = await dispatchCommand(parseCommandText('incident', 'resolve fixed'), context, handlers({ 'incident.resolve': resolve }));
    expect(resolve).not.toHaveBeenCalled();
    expect(reply.visibility).toBe('ephemeral');
    expect(text(reply)).toBe('Run this in an incident channel (inc-…): `/incident resolve` acts on one incident.\nUsage: `/incident resolve [summary]`');
  });

  it('runs `role` outside the channel on the incident it names, never on the channel\'s own; says how to name one', async () => {
    const role = vi.fn(async () => done);
    await dispatchCommand(parseCommandText('incident', 'role commander <@U1> INC-7'), { ...context, incidentNumber: 3 }, handlers({ 'incident.role': role }));
    expect(role).toHaveBeenCalledWith(expect.objectContaining({ incidentNumber: 7 }), { ...context, incidentNumber: 7 });
    // A channel mention nobody resolved (the gateway looks it up): refused, not run on incident 3.
    const unresolved = await dispatchCommand(parseCommandText('incident', 'role commander <@U1> <#C9>'), { ...context, incidentNumber: 3 }, handlers({ 'incident.role': role }));
    expect(role).toHaveBeenCalledTimes(1);
    expect(text(unresolved)).toContain('The channel you named is not an incident channel the bot knows');
    const outside = await dispatchCommand(parseCommandText('incident', 'role commander <@U1>'), context, handlers({ 'incident.role': role }));
    expect(text(outside)).toContain('Run this in an incident channel (inc-…), or name the incident (INC-12)');
  });

  it('runs channel-free commands anywhere', async () => {
    const declare = vi.fn(async () => done);
    await dispatchCommand(parseCommandText('incident', 'declare sev1 Down'), context, handlers({ 'incident.declare': declare }));
    expect(declare).toHaveBeenCalledWith({ kind: 'incident.declare', severity: 1, private: false, title: 'Down' }, context);
  });

  it('answers usage errors privately with the usage line', async () => {
    const reply = await dispatchCommand(parseCommandText('incident', 'sev 9'), context, handlers());
    expect(reply.visibility).toBe('ephemeral');
    expect(text(reply)).toBe('Severity must be 1 to 4 (got 9)\nUsage: `/incident sev <1-4>`');
  });

  it('maps usage errors and AppErrors thrown by handlers', async () => {
    const thrown = await dispatchCommand(parseCommandText('oncall', 'override ops <@U2> now +2h'), context, handlers({
      'oncall.override': async () => {
        throw new CommandUsageError('The end must be after the start', '');
      },
    }));
    expect(text(thrown)).toBe('The end must be after the start\nUsage: `/oncall override <team> @user <from> <to>`');

    const notFound = await dispatchCommand(parseCommandText('oncall', 'schedule nope'), context, handlers({
      'oncall.schedule': async () => {
        throw new AppError('not_found', 'No team "nope" in oncall.yaml', { problems: [{ path: 'team', message: 'known: ops, payments' }] });
      },
    }));
    expect(notFound.visibility).toBe('ephemeral');
    expect(text(notFound)).toBe('No team "nope" in oncall.yaml\n- team: known: ops, payments\nUsage: `/oncall schedule <team> [days]`');
  });

  it('never shows a stack or an internal message, and reports the error', async () => {
    const onUnexpectedError = vi.fn();
    const boom = new Error('connect ECONNREFUSED 10.0.0.1:5432');
    const reply = await dispatchCommand(parseCommandText('incident', 'list'), context, handlers({
      'incident.list': async () => {
        throw boom;
      },
    }), { onUnexpectedError });
    expect(text(reply)).not.toMatch(/ECONNREFUSED|at .*\.ts/);
    expect(text(reply)).toContain('Something went wrong running `/incident list`');
    expect(onUnexpectedError).toHaveBeenCalledWith(boom, { kind: 'incident.list' }, context);

    const internal = await dispatchCommand(parseCommandText('incident', 'list'), context, handlers({
      'incident.list': async () => {
        throw new AppError('internal', 'pool exhausted');
      },
    }), { onUnexpectedError });
    expect(text(internal)).not.toContain('pool exhausted');
  });
});
