import { arr, num, obj, readListing, readPerObject, str, ImportInputError } from './api-export.js';
import { endedBefore, hhmm, ianaZone, importedLayer, ImportDocument, layerStart, rotationOf, weeklyWindow, WEEKDAY_NAMES, type ImportedLayer, type ImportedRestriction, type ImportedTarget } from './import-document.js';
import { weakRoutingKeyReason } from '../alerts/routing-key.js';

/**
 * Reads what Opsgenie's REST API (v2) returns, saved as files in one folder:
 *   users.json          GET /v2/users
 *   teams.json          GET /v2/teams, or teams/<id>.json from GET /v2/teams/{id} (with members)
 *   schedules.json      GET /v2/schedules?expand=rotation
 *   schedule-overrides/<schedule name>.json   GET /v2/schedules/{name}/overrides?scheduleIdentifierType=name
 *   escalations.json    GET /v2/escalations
 *   integrations.json   GET /v2/integrations, or integrations/<id>.json from GET /v2/integrations/{id} (with apiKey)
 * Later pages of a listing go in <name>-2.json, <name>-3.json ...
 */
export function importOpsgenie(dir: string, now: Date): ImportDocument {
  const doc = new ImportDocument();
  const users = readListing(dir, 'users', 'data').items;
  if (users.length === 0) throw new ImportInputError(`${dir}/users.json lists nobody: save the answer of GET /v2/users there`);
  const byUsername = new Map<string, string>();
  for (const user of users) {
    const email = str(user.username);
    const name = str(user.fullName) ?? email ?? str(user.id) ?? 'someone';
    const key = doc.keyFor('person', email ? email.split('@')[0]! : name);
    const zone = ianaZone(str(user.timeZone));
    if (str(user.timeZone) && !zone) doc.note('People', `${name}: time zone "${str(user.timeZone)}" is not an IANA zone; UTC is used`);
    const role = str(obj(user.role).name)?.toLowerCase();
    doc.people[key] = { name, ...(email && email.includes('@') ? { email } : {}), timezone: zone ?? 'UTC', ...(role === 'admin' || role === 'owner' ? { roles: ['admin'] } : {}) };
    if (str(user.id)) doc.ids.person.set(str(user.id)!, key);
    if (email) byUsername.set(email.toLowerCase(), key);
    if (user.blocked === true) doc.note('People', `${name} is blocked in Opsgenie; carried over, remove them if they should not be paged`);
  }
  doc.note('People', 'Contact methods and notification rules are not in GET /v2/users: each person adds their phone and rules (`phone:` and `notify:` in oncall.yaml, then `/oncall verify`).');
  const personOf = (ref: Record<string, unknown>) => doc.ids.person.get(str(ref.id) ?? '') ?? byUsername.get(str(ref.username)?.toLowerCase() ?? '');

  const teams = readListing(dir, 'teams', 'data').items;
  for (const team of teams) {
    const name = str(team.name) ?? str(team.id) ?? 'team';
    const key = doc.keyFor('team', name);
    const members: string[] = [];
    for (const member of arr(team.members)) {
      const person = personOf(obj(member.user));
      if (person) members.push(person);
      else doc.note('Teams', `${name}: member ${str(obj(member.user).username) ?? str(obj(member.user).id)} is not in users.json; left out`);
    }
    if (!Array.isArray(team.members)) doc.note('Teams', `${name}: no members in teams.json (GET /v2/teams lists none); save GET /v2/teams/{id} as teams/<id>.json to carry them`);
    doc.teams[key] = { name, members };
    if (str(team.id)) doc.ids.team.set(str(team.id)!, key);
    doc.ids.team.set(`name:${name.toLowerCase()}`, key);
  }
  const teamOf = (ref: Record<string, unknown>) => doc.ids.team.get(str(ref.id) ?? '') ?? doc.ids.team.get(`name:${str(ref.name)?.toLowerCase()}`);

  const overrides = readPerObject(dir, 'schedule-overrides', 'data');
  for (const schedule of readListing(dir, 'schedules', 'data').items) {
    const name = str(schedule.name) ?? str(schedule.id) ?? 'schedule';
    const zone = ianaZone(str(schedule.timezone)) ?? 'UTC';
    if (schedule.enabled === false) {
      doc.note('Schedules', `${name} is disabled in Opsgenie; not carried over`);
      continue;
    }
    const key = doc.keyFor('schedule', name);
    const layers: ImportedLayer[] = [];
    // Opsgenie's later rotations take precedence, as the later layers do here.
    for (const rotation of arr(schedule.rotations)) {
      const layer = opsgenieLayer(doc, name, rotation, zone, personOf, now);
      if (layer) layers.push(layer);
    }
    if (layers.length === 0) {
      doc.note('Schedules', `${name} has no rotation that could be carried over; not imported`);
      continue;
    }
    doc.schedules[key] = { name, timezone: zone, layers };
    if (str(schedule.id)) doc.ids.schedule.set(str(schedule.id)!, key);
    doc.ids.schedule.set(`name:${name.toLowerCase()}`, key);
    const owner = teamOf(obj(schedule.ownerTeam));
    if (owner) (doc.teams[owner]!.schedules ??= []).push(key);
    for (const override of overrides.get(name) ?? overrides.get(str(schedule.id) ?? '') ?? []) {
      const who = personOf(obj(override.user));
      doc.note(
        'Overrides (set them again from chat)',
        `${name}: ${who ?? str(obj(override.user).username) ?? 'someone'} from ${str(override.startDate)} to ${str(override.endDate)}: \`/oncall override ${owner ?? '<team>'} @${who ?? 'person'} ${str(override.startDate)} ${str(override.endDate)}\``,
      );
    }
  }
  const scheduleOf = (ref: Record<string, unknown>) => doc.ids.schedule.get(str(ref.id) ?? '') ?? doc.ids.schedule.get(`name:${str(ref.name)?.toLowerCase()}`);

  for (const escalation of readListing(dir, 'escalations', 'data').items) {
    const name = str(escalation.name) ?? str(escalation.id) ?? 'escalation';
    const steps = new Map<number, ImportedTarget[]>();
    for (const rule of arr(escalation.rules)) {
      const recipient = obj(rule.recipient);
      const type = str(recipient.type);
      const target: ImportedTarget | undefined =
        type === 'user' ? (personOf(recipient) ? { person: personOf(recipient)! } : undefined)
        : type === 'schedule' ? (scheduleOf(recipient) ? { schedule: scheduleOf(recipient)! } : undefined)
        : type === 'team' ? (teamOf(recipient) ? { team: teamOf(recipient)! } : undefined)
        : undefined;
      if (!target) {
        doc.note('Escalation policies', `${name}: recipient ${type ?? '?'} ${str(recipient.name) ?? str(recipient.username) ?? str(recipient.id) ?? ''} is not known; left out`);
        continue;
      }
      if (str(rule.condition) === 'if-not-closed') doc.note('Escalation policies', `${name}: a rule "if not closed" escalates here while nobody acknowledged (acknowledging stops escalation)`);
      const notifyType = str(rule.notifyType);
      if (notifyType && notifyType !== 'default') doc.note('Escalation policies', `${name}: notify type "${notifyType}" of ${type} ${str(recipient.name) ?? ''} is carried as the ${type}'s on-call person`);
      const delay = obj(rule.delay);
      const unit = str(delay.timeUnit) ?? 'minutes';
      const minutes = (num(delay.timeAmount) ?? 0) * (unit === 'hours' ? 60 : unit === 'days' ? 1440 : 1);
      steps.set(minutes, [...(steps.get(minutes) ?? []), target]);
    }
    if (steps.size === 0) {
      doc.note('Escalation policies', `${name} has no rule that could be carried over; not imported`);
      continue;
    }
    // Opsgenie's delays count from the alert; here each level waits before the next.
    const at = [...steps.keys()].sort((a, b) => a - b);
    const repeat = obj(escalation.repeat);
    const wait = num(repeat.waitInterval);
    const levels = at.map((minutes, i) => ({ targets: steps.get(minutes)!, delay: `${Math.max(1, (at[i + 1] ?? minutes + (wait ?? 5)) - minutes)}m` }));
    if (at[0]! > 0) doc.note('Escalation policies', `${name}: its first rule waited ${at[0]} minutes; here the first level is paged at once`);
    const key = doc.keyFor('policy', name);
    const count = num(repeat.count) ?? 0;
    doc.policies[key] = { name, ...(count > 0 ? { repeat: Math.min(count, 10) } : {}), levels };
    if (count > 10) doc.note('Escalation policies', `${name}: repeats ${count} times in Opsgenie; here at most 10`);
    if (str(escalation.id)) doc.ids.policy.set(str(escalation.id)!, key);
    const owner = teamOf(obj(escalation.ownerTeam));
    if (owner && !doc.teams[owner]!.escalation_policy) doc.teams[owner]!.escalation_policy = key;
  }

  for (const integration of readListing(dir, 'integrations', 'data').items) {
    const name = str(integration.name) ?? str(integration.type) ?? 'integration';
    if (integration.enabled === false) {
      doc.note('Integrations', `${name} is disabled; not carried over`);
      continue;
    }
    const team = doc.ids.team.get(str(integration.teamId) ?? '') ?? teamOf(obj(integration.ownerTeam));
    const apiKey = str(integration.apiKey);
    if (!apiKey) {
      doc.note(
        'Integrations',
        `${name} (${str(integration.type) ?? 'unknown type'}): no apiKey in the file, so no route for it. An API-based integration's key is in GET /v2/integrations/{id}: save that as integrations/<id>.json and import again; an email or chat integration has no counterpart here`,
      );
      continue;
    }
    const weak = weakRoutingKeyReason(apiKey, 'opsgenie');
    if (weak) {
      doc.note('Integrations', `${name}: its API key ${weak}; left out`);
      continue;
    }
    const id = doc.keyFor('route', `opsgenie-${name}`);
    const policy = team ? doc.teams[team]!.escalation_policy : undefined;
    doc.routes.push({ id, ...(team ? { team } : {}), ...(policy ? { escalation_policy: policy } : {}), match: { sources: [] } });
    doc.keys[apiKey] = id;
  }
  return doc;
}

function opsgenieLayer(doc: ImportDocument, schedule: string, rotation: Record<string, unknown>, zone: string, personOf: (ref: Record<string, unknown>) => string | undefined, now: Date): ImportedLayer | undefined {
  const name = str(rotation.name) ?? 'rotation';
  const where = `${schedule} / ${name}`;
  const end = str(rotation.endDate);
  if (endedBefore(doc, where, end, now)) return undefined;
  const participants: string[] = [];
  for (const participant of arr(rotation.participants)) {
    const type = str(participant.type);
    const person = type === 'user' ? personOf(participant) : undefined;
    if (person) participants.push(person);
    else doc.note('Schedules', `${where}: participant ${type === 'none' ? '"no one" (a planned gap)' : `${type} ${str(participant.name) ?? str(participant.username) ?? ''}`} cannot be carried; left out of the rotation`);
  }
  if (participants.length === 0) return undefined;
  const start = layerStart(str(rotation.startDate) ?? '', zone);
  if (!start) {
    doc.note('Schedules', `${where}: no readable startDate; not carried over`);
    return undefined;
  }
  const length = Math.max(1, num(rotation.length) ?? 1);
  const unitMs = { hourly: 3_600_000, daily: 86_400_000, weekly: 7 * 86_400_000 }[str(rotation.type) ?? 'weekly'] ?? 7 * 86_400_000;
  const rotationValue = rotationOf(unitMs * length);
  if (typeof rotationValue === 'object' && unitMs >= 86_400_000) doc.note('Schedules', `${where}: hands off every ${length} ${str(rotation.type) === 'daily' ? 'days' : 'weeks'}, counted in hours: across a DST change the handoff moves by an hour`);
  if (end) doc.note('Schedules', `${where}: ends ${end} in Opsgenie; carried without an end (remove the layer then)`);
  const restrictions = opsgenieRestrictions(obj(rotation.timeRestriction));
  return importedLayer(name, participants, rotationValue, start, restrictions);
}

function opsgenieRestrictions(timeRestriction: Record<string, unknown>): ImportedRestriction[] {
  const time = (r: Record<string, unknown>, which: 'start' | 'end') => hhmm(num(r[`${which}Hour`]) ?? 0, num(r[`${which}Min`]) ?? 0);
  if (str(timeRestriction.type) === 'time-of-day') {
    const r = obj(timeRestriction.restriction);
    return [{ days: [...WEEKDAY_NAMES], from: time(r, 'start'), to: time(r, 'end') }];
  }
  if (str(timeRestriction.type) === 'weekday-and-time-of-day') {
    const day = (text: unknown) => WEEKDAY_NAMES.indexOf((str(text) ?? '').toLowerCase() as (typeof WEEKDAY_NAMES)[number]);
    return arr(timeRestriction.restrictions).flatMap((r) => {
      const startDay = day(r.startDay);
      const endDay = day(r.endDay);
      return startDay < 0 || endDay < 0 ? [] : weeklyWindow(startDay, time(r, 'start'), endDay, time(r, 'end'));
    });
  }
  return [];
}
