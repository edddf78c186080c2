import { arr, num, obj, readListing, readPerObject, str, ImportInputError } from './api-export.js';
import { endedBefore, ianaZone, importedLayer, ImportDocument, layerStart, rotationOf, weeklyWindow, WEEKDAY_NAMES, type ImportedLayer, type ImportedRestriction, type ImportedTarget } from './import-document.js';
import { weakRoutingKeyReason } from '../alerts/routing-key.js';

/** Integrations whose key is an Events API key (v2, and the v1 "generic" one, which v2 also accepts). */
const EVENTS_INTEGRATIONS = new Set(['events_api_v2_inbound_integration', 'generic_events_api_inbound_integration', 'generic_events_api_inbound_integration_reference', 'events_api_v2_inbound_integration_reference']);

/**
 * Reads what PagerDuty's REST API (v2) returns, saved as files in one folder:
 *   users.json                 GET /users?include[]=contact_methods
 *   teams.json                 GET /teams   (membership is read from each user's `teams`)
 *   schedules.json             GET /schedules, or schedules/<id>.json from GET /schedules/{id} (with layers)
 *   schedule-overrides/<schedule id>.json   GET /schedules/{id}/overrides
 *   escalation_policies.json   GET /escalation_policies
 *   services.json              GET /services?include[]=integrations
 * Later pages of a listing go in <name>-2.json, <name>-3.json ...
 */
export function importPagerDuty(dir: string, now: Date): ImportDocument {
  const doc = new ImportDocument();
  const users = readListing(dir, 'users', 'users').items;
  if (users.length === 0) throw new ImportInputError(`${dir}/users.json lists nobody: save the answer of GET /users?include[]=contact_methods there`);
  const memberships: [string, string][] = [];
  for (const user of users) {
    const email = str(user.email);
    const name = str(user.name) ?? email ?? str(user.id) ?? 'someone';
    const key = doc.keyFor('person', email ? email.split('@')[0]! : name);
    const zone = ianaZone(str(user.time_zone));
    if (str(user.time_zone) && !zone) doc.note('People', `${name}: time zone "${str(user.time_zone)}" is not an IANA zone; UTC is used`);
    const role = str(user.role);
    const phone = arr(user.contact_methods)
      .filter((method) => ['phone_contact_method', 'sms_contact_method', 'phone_contact_method_reference', 'sms_contact_method_reference'].includes(str(method.type) ?? ''))
      .map((method) => `+${num(method.country_code) ?? ''}${(str(method.address) ?? '').replace(/\D/g, '')}`)
      .find((number) => /^\+[1-9]\d{6,14}$/.test(number));
    doc.people[key] = { name, ...(email ? { email } : {}), ...(phone ? { phone } : {}), timezone: zone ?? 'UTC', ...(role === 'admin' || role === 'owner' ? { roles: ['admin'] } : {}) };
    if (str(user.id)) doc.ids.person.set(str(user.id)!, key);
    for (const team of arr(user.teams)) if (str(team.id)) memberships.push([str(team.id)!, key]);
    if (arr(user.notification_rules).length) doc.note('People', `${name}: PagerDuty notification rules are not carried; set \`notify:\` in oncall.yaml`);
  }
  doc.note('People', 'Phone numbers are carried over unverified: each person confirms theirs with `/oncall verify` before texts and calls reach them.');
  const personOf = (ref: Record<string, unknown>) => doc.ids.person.get(str(ref.id) ?? '');

  for (const team of readListing(dir, 'teams', 'teams').items) {
    const name = str(team.name) ?? str(team.summary) ?? str(team.id) ?? 'team';
    const key = doc.keyFor('team', name);
    doc.teams[key] = { name, members: memberships.filter(([teamId]) => teamId === str(team.id)).map(([, person]) => person) };
    if (str(team.id)) doc.ids.team.set(str(team.id)!, key);
  }
  const teamOf = (ref: Record<string, unknown>) => doc.ids.team.get(str(ref.id) ?? '');

  const overrides = readPerObject(dir, 'schedule-overrides', 'overrides');
  for (const schedule of readListing(dir, 'schedules', 'schedules', 'schedule').items) {
    const name = str(schedule.name) ?? str(schedule.summary) ?? str(schedule.id) ?? 'schedule';
    const zone = ianaZone(str(schedule.time_zone)) ?? 'UTC';
    if (!Array.isArray(schedule.schedule_layers)) {
      doc.note('Schedules', `${name}: no schedule_layers in the file (GET /schedules lists none); save GET /schedules/{id} as schedules/<id>.json`);
      continue;
    }
    // PagerDuty lists the highest layer first; here the lowest comes first.
    const layers = arr(schedule.schedule_layers)
      .reverse()
      .map((layer) => pagerDutyLayer(doc, name, layer, zone, personOf, now))
      .filter((layer): layer is ImportedLayer => layer !== undefined);
    if (layers.length === 0) {
      doc.note('Schedules', `${name} has no layer that could be carried over; not imported`);
      continue;
    }
    const key = doc.keyFor('schedule', name);
    doc.schedules[key] = { name, timezone: zone, layers };
    if (str(schedule.id)) doc.ids.schedule.set(str(schedule.id)!, key);
    const team = arr(schedule.teams).map(teamOf).find(Boolean);
    if (team) (doc.teams[team]!.schedules ??= []).push(key);
    for (const override of overrides.get(str(schedule.id) ?? '') ?? []) {
      const who = personOf(obj(override.user));
      doc.note(
        'Overrides (set them again from chat)',
        `${name}: ${who ?? str(obj(override.user).summary) ?? 'someone'} from ${str(override.start)} to ${str(override.end)}: \`/oncall override ${team ?? '<team>'} @${who ?? 'person'} ${str(override.start)} ${str(override.end)}\``,
      );
    }
  }
  const scheduleOf = (ref: Record<string, unknown>) => doc.ids.schedule.get(str(ref.id) ?? '');

  for (const policy of readListing(dir, 'escalation_policies', 'escalation_policies').items) {
    const name = str(policy.name) ?? str(policy.id) ?? 'escalation policy';
    const levels: { targets: ImportedTarget[]; delay: string }[] = [];
    for (const [index, rule] of arr(policy.escalation_rules).entries()) {
      const targets: ImportedTarget[] = [];
      for (const target of arr(rule.targets)) {
        const type = str(target.type)?.replace(/_reference$/, '');
        const found: ImportedTarget | undefined = type === 'user' ? (personOf(target) ? { person: personOf(target)! } : undefined) : type === 'schedule' ? (scheduleOf(target) ? { schedule: scheduleOf(target)! } : undefined) : undefined;
        if (found) targets.push(found);
        else doc.note('Escalation policies', `${name}, level ${index + 1}: target ${type ?? '?'} ${str(target.summary) ?? str(target.id) ?? ''} is not known; left out`);
      }
      if (targets.length) levels.push({ targets, delay: `${Math.max(1, num(rule.escalation_delay_in_minutes) ?? 30)}m` });
    }
    if (levels.length === 0) {
      doc.note('Escalation policies', `${name} has no level that could be carried over; not imported`);
      continue;
    }
    const key = doc.keyFor('policy', name);
    const loops = num(policy.num_loops) ?? 0;
    doc.policies[key] = { name, ...(loops > 0 ? { repeat: Math.min(loops, 10) } : {}), levels };
    if (loops > 10) doc.note('Escalation policies', `${name}: loops ${loops} times in PagerDuty; here at most 10`);
    if (str(policy.id)) doc.ids.policy.set(str(policy.id)!, key);
    for (const team of arr(policy.teams).map(teamOf)) if (team && !doc.teams[team]!.escalation_policy) doc.teams[team]!.escalation_policy = key;
  }

  for (const service of readListing(dir, 'services', 'services').items) {
    const name = str(service.name) ?? str(service.summary) ?? str(service.id) ?? 'service';
    if (str(service.status) === 'disabled') {
      doc.note('Services', `${name} is disabled; not carried over`);
      continue;
    }
    const id = doc.keyFor('route', `pagerduty-${name}`);
    const team = arr(service.teams).map(teamOf).find(Boolean);
    const policy = doc.ids.policy.get(str(obj(service.escalation_policy).id) ?? '');
    if (team && !doc.teams[team]!.services?.includes(name)) (doc.teams[team]!.services ??= []).push(name);
    doc.routes.push({ id, service: name, ...(team ? { team } : {}), ...(policy ? { escalation_policy: policy } : {}), match: { sources: [] } });
    for (const integration of arr(service.integrations)) {
      const type = str(integration.type) ?? '';
      const label = `${name} / ${str(integration.name) ?? str(integration.summary) ?? type}`;
      if (!EVENTS_INTEGRATIONS.has(type)) {
        doc.note('Services', `${label}: a ${type.replace(/_inbound_integration(_reference)?$/, '').replace(/_/g, ' ')} integration has no counterpart here; point that tool at a webhook route instead`);
        continue;
      }
      const integrationKey = str(integration.integration_key);
      if (!integrationKey) {
        doc.note('Services', `${label}: no integration_key in the file; save GET /services?include[]=integrations`);
        continue;
      }
      const weak = weakRoutingKeyReason(integrationKey);
      if (weak) {
        doc.note('Services', `${label}: its integration key ${weak}; left out`);
        continue;
      }
      doc.keys[integrationKey] = id;
    }
  }
  return doc;
}

function pagerDutyLayer(doc: ImportDocument, schedule: string, layer: Record<string, unknown>, zone: string, personOf: (ref: Record<string, unknown>) => string | undefined, now: Date): ImportedLayer | undefined {
  const name = str(layer.name) ?? 'layer';
  const where = `${schedule} / ${name}`;
  const end = str(layer.end);
  if (endedBefore(doc, where, end, now)) return undefined;
  const participants = arr(layer.users)
    .map((entry) => personOf(obj(entry.user)))
    .filter((person): person is string => person !== undefined);
  if (participants.length < arr(layer.users).length) doc.note('Schedules', `${where}: ${arr(layer.users).length - participants.length} participant(s) not in users.json; left out`);
  if (participants.length === 0) return undefined;
  const start = layerStart(str(layer.rotation_virtual_start) ?? str(layer.start) ?? '', zone);
  if (!start) {
    doc.note('Schedules', `${where}: no readable rotation_virtual_start; not carried over`);
    return undefined;
  }
  const turn = num(layer.rotation_turn_length_seconds) ?? 604_800;
  const rotation = rotationOf(turn * 1000);
  if (typeof rotation === 'object' && turn % 86_400 === 0) doc.note('Schedules', `${where}: hands off every ${turn / 86_400} days, counted in hours: across a DST change the handoff moves by an hour`);
  if (end) doc.note('Schedules', `${where}: ends ${end} in PagerDuty; carried without an end (remove the layer then)`);
  const restrictions = arr(layer.restrictions).flatMap((r) => pagerDutyRestriction(r));
  return importedLayer(name, participants, rotation, start, restrictions);
}

/** daily_restriction: every day from start_time_of_day for duration_seconds; weekly_restriction: from that day and time. */
function pagerDutyRestriction(restriction: Record<string, unknown>): ImportedRestriction[] {
  const [hour, minute] = (str(restriction.start_time_of_day) ?? '00:00:00').split(':').map(Number);
  const startMinutes = (hour ?? 0) * 60 + (minute ?? 0);
  const duration = Math.round((num(restriction.duration_seconds) ?? 86_400) / 60);
  const at = (total: number) => `${String(Math.floor((total % 1440) / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
  if (str(restriction.type) === 'weekly_restriction') {
    const startDay = ((num(restriction.start_day_of_week) ?? 1) - 1 + 7) % 7;
    const endTotal = startDay * 1440 + startMinutes + duration;
    return weeklyWindow(startDay, at(startMinutes), Math.floor(endTotal / 1440) % 7, at(endTotal));
  }
  if (duration >= 1440) return [{ days: [...WEEKDAY_NAMES], from: at(startMinutes), to: at(startMinutes) }];
  return [{ days: [...WEEKDAY_NAMES], from: at(startMinutes), to: at(startMinutes + duration) }];
}
