import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const ASK = 'incident-bot:metrics?';
const ANSWER = 'incident-bot:metrics';
const WAIT_MS = 5_000;

interface MetricsAnswer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

/**
 * In the supervisor: answers a bot process's request for the metrics of all of them, summed
 * (counters, histograms) or taken once (what each reads from the shared database), through
 * prom-client's cluster aggregation. Whichever process a scrape reaches answers for all.
 */
export function answerMetricsRequests(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: message.id ?? 0, text } satisfies MetricsAnswer),
      (error: Error) => worker.send({ type: ANSWER, id: message.id ?? 0, error: error.message } satisfies MetricsAnswer),
    );
  });
}

let asked = 0;
const waiting = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();

/**
 * In a bot process under PROCESSES: the registry the supervisor collects from, and a way to ask
 * it for everyone's metrics. Undefined when this process is the only one.
 */
export function clusterMetricsOf(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker) return undefined;
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one makes prom-client answer the supervisor's collection requests.
  new AggregatorRegistry();
  process.on('message', (message: MetricsAnswer) => {
    if (message?.type !== ANSWER) return;
    const request = waiting.get(message.id);
    if (!request) return;
    waiting.delete(message.id);
    if (message.text !== undefined) request.resolve(message.text);
    else request.reject(new Error(`the other bot processes' metrics could not be collected: ${message.error ?? 'no answer'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = ++asked;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the other bot processes' metrics did not arrive within ${WAIT_MS / 1000} s`));
      }, WAIT_MS);
      waiting.set(id, {
        resolve: (text) => { clearTimeout(timer); resolve(text); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
      process.send!({ type: ASK, id });
    });
}
