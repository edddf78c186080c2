import { cpus, loadavg, release, totalmem, type } from 'node:os';
import pg from 'pg';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  /** 1-minute load average when the run started: others' work on a shared machine shows here. */
  loadAverageAtStart: number;
  date: string;
}

export async function describeMachine(adminUrl: string): Promise<Machine> {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    postgres: await postgresVersion(adminUrl),
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
    date: new Date().toISOString(),
  };
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  } catch (error) {
    return `unreachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}
