import { connect, type Socket } from 'node:net';

/**
 * A keep-alive HTTP/1.1 client over plain sockets, for the ingest benchmark's timed loops: it
 * writes each request as one buffer and reads just the status line and Content-Length of the
 * answer. A general client (undici) spent about 55 µs of CPU per request on this machine's
 * two cores, CPU the bot and PostgreSQL then did not have: wrk or a real Alertmanager, written
 * in C or Go, costs a fraction of that. Only for a server that answers with Content-Length.
 */
export function rawHttpPool(url: string, connections: number) {
  const { hostname, port } = new URL(url);
  const idle: RawConnection[] = [];
  const all: RawConnection[] = [];
  const waiting: ((connection: RawConnection) => void)[] = [];
  let opened = 0;

  const acquire = async (): Promise<RawConnection> => {
    const free = idle.pop();
    if (free) return free;
    if (opened < connections) {
      opened++;
      const connection = await RawConnection.open(hostname, Number(port));
      all.push(connection);
      return connection;
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (connection: RawConnection) => {
    const next = waiting.shift();
    if (next) next(connection);
    else idle.push(connection);
  };

  return {
    async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number }> {
      const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      let head = `POST ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${payload.length}\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      const connection = await acquire();
      try {
        return { status: await connection.exchange(Buffer.concat([Buffer.from(head + '\r\n'), payload])) };
      } finally {
        release(connection);
      }
    },
    async close(): Promise<void> {
      for (const connection of all) connection.close();
    },
  };
}

class RawConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private pending: { resolve(status: number): void; reject(error: Error): void } | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  static open(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  exchange(request: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const headEnd = this.buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`answer without Content-Length: ${head.slice(0, 200)}`));
    const total = headEnd + 4 + Number(length[1]);
    if (this.buffered.length < total) return;
    const status = Number(head.slice(9, 12));
    this.buffered = this.buffered.subarray(total);
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve(status);
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}
