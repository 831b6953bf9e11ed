export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication, no password). */
  url: string;
  host: string;
  port: number;
  dataDir: string;
  /** Creates a database (default name tw_<random>) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (fast shutdown) but keeps its folder: an outage, until {@link resume}. */
  pause(): Promise<void>;
  /** Starts a paused server again, on the same port and data. */
  resume(): Promise<void>;
  /** Stops the server (immediate) and removes its folder. */
  stop(): Promise<void>;
}

export function findPostgresBinaries(): string;
export function createDatabase(serverUrl: string, name?: string, bindir?: string): Promise<string>;
export function startPostgres(options?: { fsync?: boolean }): Promise<PostgresServer>;
