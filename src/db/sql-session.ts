/**
 * One database connection used directly, outside Prisma: the migrator needs a session to
 * hold an advisory lock and run multi-statement scripts, which Prisma's pool cannot give.
 */
export interface SqlSession {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements, without parameters. */
  exec(script: string): Promise<void>;
  release(): Promise<void>;
}
