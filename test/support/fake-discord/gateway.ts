import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * Discord's gateway as discord.js 14 uses it (GATEWAY-NOTES.md): Hello, Identify → READY,
 * heartbeats with acks, dispatches with increasing sequence numbers, Resume (replaying what
 * the client missed, then RESUMED) or Invalid Session, and the close codes Discord uses.
 */

const OP = { dispatch: 0, heartbeat: 1, identify: 2, presence: 3, voice: 4, resume: 6, reconnect: 7, requestMembers: 8, invalidSession: 9, hello: 10, ack: 11 } as const;

interface Session {
  id: string;
  seq: number;
  /** Every dispatch of the session, for replay on resume. */
  sent: Array<{ s: number; t: string; d: unknown }>;
  connection?: Connection;
  invalid: boolean;
}

interface Connection {
  socket: WebSocket;
  session?: Session;
  heartbeats: number;
}

export interface GatewayOptions {
  token: string;
  applicationId: string;
  botUser: Record<string, unknown>;
  heartbeatIntervalMs: number;
}

export interface GatewayCounters {
  connections: number;
  identifies: number;
  resumes: number;
  heartbeats: number;
  invalidSessions: number;
}

export interface DropOptions {
  /** 1006 (default) kills the TCP connection without a close frame; any other code is sent in a close frame (4000: discord.js resumes; 1000: it re-identifies). */
  code?: number;
  /** Forget the session, so the client's Resume gets Invalid Session (op 9, d: false) and it identifies again. */
  invalidateSession?: boolean;
}

export class FakeGateway {
  readonly counters: GatewayCounters = { connections: 0, identifies: 0, resumes: 0, heartbeats: 0, invalidSessions: 0 };
  /** Every payload the client sent, for assertions (tokens included: this is a test double). */
  readonly received: Array<{ op: number; d: unknown }> = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private sessionCounter = 0;
  private current: Session | undefined;
  private readyWaiters: Array<() => void> = [];
  url = '';

  constructor(private readonly options: GatewayOptions) {}

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const query = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams;
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, query));
  }

  private accept(socket: WebSocket, query: URLSearchParams): void {
    this.counters.connections++;
    const connection: Connection = { socket, heartbeats: 0 };
    if (query.get('v') !== '10') return socket.close(4012, 'Invalid API version');
    if ((query.get('encoding') ?? 'json') !== 'json') return socket.close(4002, 'Decode error');
    socket.on('message', (data, isBinary) => this.onMessage(connection, isBinary ? undefined : data.toString()));
    socket.on('close', () => {
      if (connection.session?.connection === connection) connection.session.connection = undefined;
    });
    socket.on('error', () => {});
    this.send(connection, { op: OP.hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs }, s: null, t: null });
  }

  private send(connection: Connection, payload: { op: number; d: unknown; s: number | null; t: string | null }): void {
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(JSON.stringify(payload));
  }

  private onMessage(connection: Connection, text: string | undefined): void {
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse(text ?? '') as { op?: unknown; d?: unknown };
    } catch {
      return connection.socket.close(4002, 'Decode error');
    }
    this.received.push({ op: payload.op as number, d: payload.d });
    switch (payload.op) {
      case OP.heartbeat:
        connection.heartbeats++;
        this.counters.heartbeats++;
        return this.send(connection, { op: OP.ack, d: null, s: null, t: null });
      case OP.identify:
        return this.identify(connection, payload.d as Record<string, unknown>);
      case OP.resume:
        return this.resume(connection, payload.d as Record<string, unknown>);
      case OP.presence:
      case OP.voice:
      case OP.requestMembers:
        if (!connection.session) return connection.socket.close(4003, 'Not authenticated');
        return;
      default:
        return connection.socket.close(4001, 'Unknown opcode');
    }
  }

  private identify(connection: Connection, d: Record<string, unknown>): void {
    if (connection.session) return connection.socket.close(4005, 'Already authenticated');
    if (d?.token !== this.options.token) return connection.socket.close(4004, 'Authentication failed');
    if (typeof d.intents !== 'number') return connection.socket.close(4013, 'Invalid intent(s)');
    const shard = d.shard as [number, number] | undefined;
    if (shard && (shard[0] !== 0 || shard[1] !== 1)) return connection.socket.close(4010, 'Invalid shard');
    this.counters.identifies++;
    this.sessionCounter++;
    const session: Session = { id: `fake-session-${this.sessionCounter}`, seq: 0, sent: [], connection, invalid: false };
    this.sessions.set(session.id, session);
    connection.session = session;
    this.current = session;
    this.dispatchTo(session, 'READY', {
      v: 10,
      user: this.options.botUser,
      guilds: [],
      session_id: session.id,
      resume_gateway_url: this.url,
      shard: [0, 1],
      application: { id: this.options.applicationId, flags: 0 },
      user_settings: {},
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
    });
    this.notifyReady();
  }

  private resume(connection: Connection, d: Record<string, unknown>): void {
    const session = this.sessions.get(String(d?.session_id));
    if (d?.token !== this.options.token) return connection.socket.close(4004, 'Authentication failed');
    if (!session || session.invalid || typeof d.seq !== 'number' || d.seq > session.seq) {
      this.counters.invalidSessions++;
      return this.send(connection, { op: OP.invalidSession, d: false, s: null, t: null });
    }
    this.counters.resumes++;
    session.connection = connection;
    connection.session = session;
    this.current = session;
    for (const event of session.sent.filter((e) => e.s > (d.seq as number))) this.send(connection, { op: OP.dispatch, ...event });
    this.dispatchTo(session, 'RESUMED', {});
    this.notifyReady();
  }

  private dispatchTo(session: Session, t: string, d: unknown): number {
    session.seq++;
    const event = { s: session.seq, t, d };
    session.sent.push(event);
    if (session.connection) this.send(session.connection, { op: OP.dispatch, ...event });
    return session.seq;
  }

  private notifyReady(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Whether a client holds a live, authenticated session. */
  get connected(): boolean {
    return !!this.current?.connection && !this.current.invalid;
  }

  /** Resolves once a client has identified or resumed (immediately when one is connected). */
  waitForSession(timeoutMs = 10_000): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fake-discord: no gateway session within the timeout')), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Sends a dispatch on the current session. While the client is disconnected the event is kept
   * for a resume to replay, as Discord does; on an invalidated session it is lost.
   */
  dispatch(t: string, d: unknown): number {
    if (!this.current) throw new Error('fake-discord: no gateway session yet (the client has not identified)');
    return this.dispatchTo(this.current, t, d);
  }

  /** Closes the client's connection abruptly, as a network failure or a Discord restart would. */
  dropConnection(options: DropOptions = {}): void {
    const session = this.current;
    if (!session?.connection) throw new Error('fake-discord: no live gateway connection to drop');
    if (options.invalidateSession) session.invalid = true;
    const { socket } = session.connection;
    session.connection = undefined;
    if ((options.code ?? 1006) === 1006) socket.terminate();
    else socket.close(options.code);
  }

  /** Asks the client to reconnect (op 7), which discord.js answers with a resume. */
  requestReconnect(): void {
    const connection = this.current?.connection;
    if (connection) this.send(connection, { op: OP.reconnect, d: null, s: null, t: null });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}
