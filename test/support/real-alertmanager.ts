import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './eventually.js';
import { freePort } from './free-port.js';

const BINARY = 'prometheus-alertmanager';

/** Whether Debian's Alertmanager is here; CI installs it (.ci/run), so there its absence is an error. */
export function alertmanagerInstalled(): boolean {
  const installed = spawnSync('sh', ['-c', `command -v ${BINARY}`]).status === 0;
  if (!installed && process.env.CI === 'true') throw new Error(`${BINARY} is not installed; .ci/run installs it from Debian`);
  return installed;
}

export interface RealAlertmanager {
  url: string;
  /** What it logged, for a failing assertion's message. */
  log(): string;
  /** Posts alerts to its API, as Prometheus does. */
  post(alerts: unknown[]): Promise<Response>;
  stop(): Promise<void>;
  /** Starts it again on the same port and storage (its alerts survive, as in production). */
  start(): Promise<void>;
}

/** The receiver's lines (under `- name: bot`): the bot's webhook with the bot's token. */
export function webhookReceiver(webhookUrl: string, token: string, sendResolved = true): string[] {
  return [
    'webhook_configs:',
    `  - url: ${webhookUrl}`,
    `    send_resolved: ${sendResolved}`,
    '    http_config:',
    '      authorization:',
    '        type: Bearer',
    `        credentials: ${token}`,
  ];
}

/**
 * A real Prometheus Alertmanager (Debian's) in `dir` with one receiver: the bot's webhook with the
 * bot's token, or `receiver` (its lines, e.g. an opsgenie_configs block pointed at the bot);
 * `route` adds to the route (group_by, group_wait, repeat_interval ...).
 */
export async function startRealAlertmanager(
  options: { dir: string; route: string[] } & ({ webhookUrl: string; token: string; sendResolved?: boolean } | { receiver: string[] }),
): Promise<RealAlertmanager> {
  const receiver = 'receiver' in options ? options.receiver : webhookReceiver(options.webhookUrl, options.token, options.sendResolved);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(options.dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: bot',
      ...options.route.map((line) => `  ${line}`),
      'receivers:',
      '  - name: bot',
      ...receiver.map((line) => `    ${line}`),
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    child = spawn(BINARY, [`--config.file=${join(options.dir, 'alertmanager.yml')}`, `--storage.path=${join(options.dir, 'alertmanager-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', `--web.external-url=${url}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (chunk) => (log += chunk));
    // A refused connection while it starts counts as not yet.
    await eventually('Alertmanager to be ready', () => fetch(`${url}/-/ready`).then((r) => r.ok || undefined, () => undefined), 20_000, 200);
  };
  await start();
  return {
    url,
    log: () => log,
    post: (alerts) => fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) }),
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
    start,
  };
}
