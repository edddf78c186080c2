import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routeAlert } from '../../../src/alerts/routing.js';
import { loadOncallFile, OncallFileError, parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import { projectRoot } from '../../../src/project-root.js';

function problems(yaml: string): string[] {
  try {
    parseOncallYaml(yaml, 'oncall.yaml');
  } catch (error) {
    if (error instanceof OncallFileError) return error.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected problems');
}

describe('oncall.yaml', () => {
  it('takes Mattermost and Teams ids, and says where one is malformed', () => {
    const config = parseOncallYaml(['people:', '  alice: { name: Alice, mattermost: q3mcmn5akfrbjq8bwetm4ysb4a, teams: 6F2A51A8-54D4-4F5E-9C36-0D6B7B1F3A55, notify: { high: [{ via: chat }] } }'].join('\n'));
    expect(config.people.alice).toMatchObject({ mattermostId: 'q3mcmn5akfrbjq8bwetm4ysb4a', teamsId: '6f2a51a8-54d4-4f5e-9c36-0d6b7b1f3a55' });
    expect(problems(['people:', '  bob:', '    name: Bob', '    mattermost: "@bob"', '    teams: "29:1abc"'].join('\n'))).toEqual([
      expect.stringMatching(/^4:17 people\.bob\.mattermost: must be a Mattermost user id/),
      expect.stringMatching(/^5:12 people\.bob\.teams: must be the person's Microsoft Entra object id/),
    ]);
  });

  it('ships an example that loads and routes as its comments say', () => {
    const { config, missing } = loadOncallFile(join(projectRoot(), 'oncall.yaml'));
    expect(missing).toBe(false);
    expect(Object.keys(config.people)).toHaveLength(5);
    const base = { source: 'alertmanager' as const, fingerprint: 'f', status: 'firing' as const, title: 't', annotations: {}, links: {}, startsAt: new Date() };
    expect(routeAlert({ ...base, labels: { category: 'security' } }, config)).toMatchObject({ routeId: 'security', private: true, severity: 1, team: 'security', escalationPolicy: 'security' });
    expect(routeAlert({ ...base, labels: { alertname: 'PostgresReplicationLag', cluster: 'main' } }, config)).toMatchObject({ routeId: 'databases', playbook: 'database', team: 'platform' });
    expect(routeAlert({ ...base, labels: { service: 'checkout' }, sourceSeverity: 'disaster' }, config)).toMatchObject({ routeId: 'api', team: 'payments', severity: 1 });
    expect(routeAlert({ ...base, labels: {} }, config)).toMatchObject({ routeId: 'default', team: 'platform', escalationPolicy: 'platform' });
    expect(config.escalationPolicies.payments!.levels[1]).toEqual({ delayMs: 600_000, targets: [{ kind: 'schedule', key: 'payments-backup' }] });
    expect(config.schedules['payments-weekly']!.layers[0]).toMatchObject({ rotation: { kind: 'weekly' }, handoffTime: '09:00', handoffWeekday: 1 });
  });

  it('is the empty configuration when the file is missing', () => {
    const { config, missing } = loadOncallFile('/nonexistent/oncall.yaml');
    expect(missing).toBe(true);
    expect(config.routes).toEqual([]);
  });

  it('points at the line and column of every problem in one pass: shapes and references alike', () => {
    const yaml = [
      'people:', //                                   1
      '  alice:', //                                  2
      '    name: Alice', //                           3
      '    timezone: Mars/Olympus', //                4
      '    pager: 555', //                            5
      'teams:', //                                    6
      '  db:', //                                     7
      '    name: Databases', //                       8
      '    members: [alice, zoe]', //                 9
      'escalation_policies:', //                      10
      '  db:', //                                     11
      '    levels:', //                               12
      '      - targets: [{ schedule: nightly }]', //  13
      '        delay: soon', //                       14
    ].join('\n');
    expect(problems(yaml)).toEqual([
      '4:15 people.alice.timezone: must be an IANA time zone such as Europe/Berlin',
      expect.stringMatching(/^5:12 people\.alice\.pager: Unrecognized key: "pager"/),
      // Before, these two appeared only once the three above were fixed.
      '9:22 teams.db.members[1]: no person "zoe" under people',
      '13:19 escalation_policies.db.levels[0].targets[0]: no schedule "nightly"',
      '14:16 escalation_policies.db.levels[0].delay: must be a duration such as 5m or 1h30m',
    ]);
  });

  it('reads contact methods, notification rules and quiet hours, and says what is wrong with each', () => {
    const config = parseOncallYaml(
      [
        'people:',
        '  bruno:',
        '    name: Bruno',
        '    slack: U0BRUNO01',
        '    phone: "+4915112345678"',
        '    ntfy_topic: bruno-pages',
        '    webhook: https://hooks.example.com/pager',
        '    notify:',
        '      high: [{ via: chat }, { via: sms, after: 2m }, { via: voice, after: 5m }]',
        '    quiet_hours: { from: "22:00", to: "07:00" }',
      ].join('\n'),
    );
    expect(config.people.bruno).toMatchObject({
      phone: '+4915112345678',
      ntfyTopic: 'bruno-pages',
      webhookUrl: 'https://hooks.example.com/pager',
      notify: { high: [{ via: 'chat', afterMs: 0 }, { via: 'sms', afterMs: 120_000 }, { via: 'voice', afterMs: 300_000 }], low: undefined },
      quietHours: { from: '22:00', to: '07:00' },
    });
    expect(
      problems(
        [
          'people:', //                                          1
          '  ann:', //                                           2
          '    name: Ann', //                                    3
          '    phone: 0151 1234 5678', //                        4
          '    webhook: "javascript:alert(1)"', //               5
          '    notify:', //                                      6
          '      high: [{ via: pager }, { via: email }]', //     7
          '      low: [{ via: sms, after: later }]', //          8
          '    quiet_hours: { from: "22:00", to: "25:00" }', //  9
        ].join('\n'),
      ),
    ).toEqual([
      '4:12 people.ann.phone: must be an E.164 number: + then the country code and number, no spaces (+4915112345678)',
      '5:14 people.ann.webhook: must be an http(s) URL',
      expect.stringMatching(/^7:21 people\.ann\.notify\.high\[0\]\.via: Invalid option/),
      '7:37 people.ann.notify.high[1].via: email needs email on this person',
      '8:32 people.ann.notify.low[0].after: must be a duration such as 5m or 1h30m',
      '9:39 people.ann.quiet_hours.to: must be a time such as 09:00',
    ]);
  });

  it('reads heartbeats (grace defaults to one more interval) and says what is wrong with one', () => {
    const config = parseOncallYaml(['heartbeats:', '  prom: { interval: 1m, labels: { team: platform } }', 'routes:', '  - { id: wd, match: { labels: { alertname: Watchdog } }, heartbeat: prom }'].join('\n'));
    expect(config.heartbeats.prom).toEqual({ name: 'prom', intervalMs: 60_000, graceMs: 60_000, labels: { team: 'platform' }, severity: 'sev2' });
    expect(config.routes[0]!.heartbeat).toBe('prom');
    expect(
      problems(['heartbeats:', '  fast: { interval: 1s }', '  odd: { interval: 1m, grace: soon, every: 2m }', 'routes:', '  - { id: wd, heartbeat: typo }'].join('\n')),
    ).toEqual([
      '2:21 heartbeats.fast.interval: must be at least 10s',
      '3:31 heartbeats.odd.grace: must be a duration such as 5m or 1h30m',
      '3:44 heartbeats.odd.every: Unrecognized key: "every"',
      '5:26 routes[0].heartbeat: no heartbeat "typo" under heartbeats',
    ]);
  });

  it('reads recurring maintenance windows and says what is wrong with one', () => {
    const config = parseOncallYaml(['maintenance:', '  backups: { match: { service: postgres }, cron: "0 2 * * *", timezone: Europe/Berlin, duration: 1h, reason: nightly backups }'].join('\n'));
    expect(config.maintenance.backups).toEqual({ key: 'backups', matcher: { service: 'postgres' }, cron: '0 2 * * *', timeZone: 'Europe/Berlin', durationMs: 3_600_000, reason: 'nightly backups' });
    const found = problems(['maintenance:', '  a: { match: { team: ghosts }, cron: "every night", duration: 9d, reason: x }', '  b: { match: {}, cron: "0 2 * * *", duration: 1h, reason: y }'].join('\n'));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^2:\d+ maintenance\.a\.cron: must be a five-field cron expression/),
        expect.stringMatching(/^2:\d+ maintenance\.a\.duration: must be from 1m to 7d/),
        expect.stringMatching(/^2:\d+ maintenance\.a\.match\.team: no team "ghosts"/),
        expect.stringMatching(/^3:\d+ maintenance\.b\.match: give service, team or labels/),
      ]),
    );
  });

  it('checks references between sections', () => {
    const yaml = [
      'people:',
      '  alice: { name: Alice }',
      'teams:',
      '  db: { name: Databases, members: [alice, zoe], escalation_policy: nope }',
      'routes:',
      '  - id: r1',
      '    match: { label_regex: { alertname: "Postgres(" } }',
      '    team: ghosts',
      '  - id: r1',
      'pagerduty_routing_keys:',
      '  KEY1: missing-route',
    ].join('\n');
    const found = problems(yaml);
    expect(found).toEqual(
      expect.arrayContaining([
        '4:43 teams.db.members[1]: no person "zoe" under people',
        '4:68 teams.db.escalation_policy: no escalation policy "nope"',
        '8:11 routes[0].team: no team "ghosts"',
        expect.stringMatching(/^7:40 routes\[0\]\.match\.label_regex\.alertname: bad regular expression/),
        '9:9 routes[1].id: duplicate route id "r1"',
        '11:9 pagerduty_routing_keys.KEY1…: no route "missing-route"',
      ]),
    );
  });

  it('reports YAML syntax errors and duplicate keys with their position', () => {
    expect(problems('people:\n  alice: { name: Alice\n')[0]).toMatch(/^\d+:\d+ \(yaml\): /);
    expect(problems('people:\n  alice: { name: A }\n  alice: { name: B }\n')).toEqual(['3:3 (yaml): this key is already set on line 2']);
  });
});
