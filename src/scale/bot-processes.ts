import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../logging.js';
import { answerMetricsRequests } from './cluster-metrics.js';

/** What a bot process tells the supervisor once it serves. */
export const READY_MESSAGE = 'incident-bot:ready';

const SHUTDOWN_DEADLINE_MS = 15_000;
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A process that ran this long before it died was not crashing on start: its next restart waits the least. */
const STEADY_AFTER_MS = 30_000;

/**
 * V8's young generation (semi-space, MB) of each bot process. The bot starts with 4 (npm start,
 * bin/incident-bot.js) for embedded storage's idle memory target; PROCESSES=N runs on PostgreSQL
 * only. A webhook's garbage dies young, and with 4 MB a minor collection came every hundred or so
 * requests: with 32, one process took about a fifth more repeats a second, two on two busy cores
 * about a tenth more, for about 30 MB more memory each (README, "Using every core").
 */
export const BOT_PROCESS_SEMI_SPACE_MB = 32;

/** The supervisor's V8 and Node flags for a bot process, with the young generation above. */
export function botProcessExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    if (/^--max[-_]semi[-_]space[-_]size=/.test(flag)) continue;
    // The value as a separate argument (`--max-semi-space-size 4`) goes with its flag.
    if (/^--max[-_]semi[-_]space[-_]size$/.test(flag)) {
      i++;
      continue;
    }
    kept.push(flag);
  }
  return [...kept, `--max-semi-space-size=${BOT_PROCESS_SEMI_SPACE_MB}`];
}

/**
 * PROCESSES=N: this process supervises N bot processes that share PORT (node:cluster hands each
 * new connection to one of them in turn). Each is a whole replica (webhooks, chat, job worker)
 * against the same PostgreSQL, which already keeps replicas from doing anything twice; what they
 * add is event loops, so parsing and answering requests uses every core. The first starts
 * alone (it migrates the database and generates missing tokens), then the others. One that
 * dies is started again; one that cannot start stops them all. Resolves with the exit code.
 */
export function superviseBotProcesses(count: number, log: Logger): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    let startedAll = false;
    let failedStart = false;
    let exitCode = 0;
    const startedAt = new Map<Worker, number>();
    const ready = new Set<Worker>();
    let restartDelay = RESTART_DELAY_MS;
    answerMetricsRequests();
    cluster.setupPrimary({ execArgv: botProcessExecArgv(process.execArgv) });

    const fork = () => {
      const worker = cluster.fork();
      startedAt.set(worker, Date.now());
      worker.on('message', (message: unknown) => {
        if ((message as { type?: string } | null)?.type !== READY_MESSAGE) return;
        ready.add(worker);
        if (!startedAll && ready.size === 1) {
          // The first one migrated the database: the rest start side by side.
          for (let i = 1; i < count; i++) fork();
        }
        if (!startedAll && ready.size === count) {
          startedAll = true;
          log.info({ processes: count }, `${count} bot processes serve the port`);
        }
      });
      return worker;
    };

    cluster.on('exit', (worker, code, signal) => {
      const wasReady = ready.delete(worker);
      const ranMs = Date.now() - (startedAt.get(worker) ?? Date.now());
      startedAt.delete(worker);
      if (!stopping && !wasReady && !startedAll) {
        // It printed why (a setting, the database, the port): starting it again would say it again.
        // Later, a replacement that cannot start (the database away a while) is tried again below,
        // while the others serve.
        failedStart = true;
        log.error({ pid: worker.process.pid, code, signal }, 'a bot process could not start; stopping the others');
        stop();
      } else if (!stopping) {
        restartDelay = ranMs > STEADY_AFTER_MS ? RESTART_DELAY_MS : Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS);
        log.error({ pid: worker.process.pid, code, signal, restartInMs: restartDelay }, wasReady ? 'a bot process died; starting another' : 'a bot process could not start; trying again');
        setTimeout(() => { if (!stopping) fork(); }, restartDelay).unref();
      }
      if (stopping && (code !== 0 || failedStart)) exitCode = 1;
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) resolve(exitCode);
    });

    const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
      if (stopping) return;
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
      if (workers.length === 0) resolve(failedStart ? 1 : exitCode);
      // Each finishes what it holds (requests in flight, alerts being stored, running jobs) as one bot does.
      for (const worker of workers) worker.process.kill(signal);
      setTimeout(() => {
        log.error('bot processes took longer than 15 s to stop; killing them');
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      }, SHUTDOWN_DEADLINE_MS).unref();
    };

    process.on('SIGTERM', () => stop('SIGTERM'));
    // Ctrl+C reaches every process of the terminal's group; the supervisor only waits for them.
    process.on('SIGINT', () => stop('SIGINT'));
    // Each re-reads oncall.yaml and the playbooks.
    process.on('SIGHUP', () => { for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP'); });
    fork();
  });
}

/** In a bot process PROCESSES started: tells the supervisor it serves. */
export function reportReady(): void {
  if (cluster.isWorker) process.send?.({ type: READY_MESSAGE });
}
