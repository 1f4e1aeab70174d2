import { tableFromIPC, type Table } from 'apache-arrow';
import type { DuckDBBindings, DuckDBConnection } from '@duckdb/duckdb-wasm/blocking';
import type { EngineError, QueryOutcome } from '../protocol';

/**
 * One open DuckDB database with the settings Tideline needs everywhere:
 * core DuckDB only, nothing fetched from anywhere.
 */
export class Database {
  private readonly connection: DuckDBConnection;
  /** Prepared statements by their SQL, while nothing has changed what their names resolve to (`rebinds`). */
  private readonly prepared = new Map<string, number>();

  constructor(
    readonly bindings: DuckDBBindings,
    extensionRepository: string,
  ) {
    this.connection = bindings.connect();
    for (const statement of offlineSettings(extensionRepository)) this.connection.query(statement);
  }

  get version(): string {
    return this.bindings.getVersion();
  }

  /**
   * Runs SQL and returns the result as DuckDB's own Arrow IPC stream; throws DuckDB's error as is. SQL run again
   * and again (`prepared`) is planned once, as a prepared statement.
   */
  queryIPC(sql: string, prepared = false): Uint8Array {
    if (prepared) return this.runPrepared(sql);
    if (REBINDS.test(sql)) this.forgetPrepared();
    return this.connection.useUnsafe((bindings, id) => bindings.runQuery(id, sql));
  }

  /** Runs SQL and returns the result table; throws DuckDB's error as is. */
  query(sql: string, prepared = false): Table {
    return tableFromIPC(this.queryIPC(sql, prepared));
  }

  /** Loads an Arrow IPC stream into a table, creating it if asked. */
  insertArrow(table: string, ipc: Uint8Array, create: boolean): void {
    if (create) this.forgetPrepared();
    this.connection.insertArrowFromIPCStream(ipc, { name: table, create });
  }

  private runPrepared(sql: string): Uint8Array {
    let statement = this.prepared.get(sql);
    if (statement === undefined) {
      if (this.prepared.size >= MAX_PREPARED) this.forgetPrepared();
      statement = this.connection.useUnsafe((bindings, id) => bindings.createPrepared(id, sql));
      this.prepared.set(sql, statement);
    }
    const id = statement;
    return this.connection.useUnsafe((bindings, connection) => bindings.runPrepared(connection, id, []));
  }

  /**
   * A prepared statement stays bound to the tables its names resolved to: after USE it would read the old schema's.
   * After DDL outside the temporary catalog DuckDB binds it again at every run, which costs what planning does.
   */
  private forgetPrepared(): void {
    for (const statement of this.prepared.values())
      this.connection.useUnsafe((bindings, id) => bindings.closePrepared(id, statement));
    this.prepared.clear();
  }

  /** DuckDB's memory limit, in bytes. */
  memoryLimitBytes(): number {
    const setting = this.query("SELECT current_setting('memory_limit') AS limit").get(0)!.limit as string;
    const match = /^([\d.]+) ?(\w*)$/.exec(setting);
    const units: Record<string, number> = { bytes: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };
    return match ? Number(match[1]) * (units[match[2]!] ?? 1) : Infinity;
  }

  /** What DuckDB's buffer manager holds now, in bytes. */
  memoryUsedBytes(): number {
    return Number(this.query('SELECT sum(memory_usage_bytes)::DOUBLE AS used FROM duckdb_memory()').get(0)!.used);
  }

  /** Runs `work` in one transaction: if any of its statements fails, none of them happened. */
  atomically<T>(work: () => T): T {
    this.queryIPC('BEGIN TRANSACTION', true);
    try {
      const result = work();
      this.queryIPC('COMMIT', true);
      return result;
    } catch (error) {
      this.queryIPC('ROLLBACK');
      throw error;
    }
  }

  /** Runs SQL for a user: the result as Arrow IPC bytes, or an error they can act on. */
  run(sql: string): QueryOutcome {
    const started = performance.now();
    try {
      const arrow = this.queryIPC(sql);
      const rowCount = tableFromIPC(arrow).numRows;
      return { ok: true, arrow, rowCount, elapsedMs: performance.now() - started };
    } catch (error) {
      if (isTrap(error)) throw error;
      return { ok: false, error: describeError(error) };
    }
  }
}

/** Statements that may change what a name resolves to: the search path, settings, DDL but a temporary table's. */
const REBINDS =
  /(?:^|;)\s*(?!CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s)(?:USE|SET|RESET|PRAGMA|CREATE|DROP|ALTER|ATTACH|DETACH|IMPORT|CHECKPOINT)\b/i;

/** The most prepared statements kept at once. */
const MAX_PREPARED = 64;

/**
 * A wasm trap (an `unreachable`, a memory access out of bounds): DuckDB's state can no longer be trusted, so
 * the engine must not carry on in this instance. The worker lets it escape; the UI restarts the engine, which
 * resumes from the run's last checkpoint.
 */
export function isTrap(error: unknown): boolean {
  return error instanceof WebAssembly.RuntimeError;
}

/** After a trap: the worker's death, scheduled where the UI sees it (its error event), and the answer meanwhile. */
export function dieOfTrap(trap: unknown, later: (die: () => void) => void): EngineError {
  later(() => {
    throw trap;
  });
  return { message: `The engine crashed (${String(trap)}); it restarts.` };
}

/**
 * DuckDB-Wasm would install and load extensions from the internet on demand. Turn that off,
 * point the repository at our own origin, and forbid file and network access from SQL
 * (DuckDB refuses to turn external access back on while the database runs).
 */
export function offlineSettings(extensionRepository: string): string[] {
  return [
    'SET autoinstall_known_extensions = false',
    'SET autoload_known_extensions = false',
    `SET custom_extension_repository = '${extensionRepository.replaceAll("'", "''")}'`,
    'SET enable_external_access = false',
    `SET memory_limit = '${MEMORY_LIMIT}'`,
  ];
}

/**
 * Wasm memory ends at 4 GiB, and a browser may refuse to grow it well before: with a limit, DuckDB fails
 * the statement that would pass it, rolls it back and works on, instead of trapping.
 */
export const MEMORY_LIMIT = '2GiB';

const HINTS: [RegExp, string][] = [
  [
    /^Parser Error: syntax error at end of input/,
    'The statement ends too early: is a clause or a closing bracket missing?',
  ],
  [/^Parser Error/, 'Check the spelling of SQL keywords near the marked position.'],
  [
    /^Catalog Error: .*exists in the (\w+) extension/s,
    'Tideline runs on core DuckDB only, offline: extensions such as json, parquet and icu are not available.',
  ],
  [/^Catalog Error: Table with name/, 'Query one of the tables or streams listed in the playground.'],
  [/^Binder Error: Referenced column/, 'Check the column name against the table’s schema.'],
  [
    /^Extension Autoloading Error/,
    'This needs a DuckDB extension, and Tideline runs on core DuckDB only (no icu: keep timestamps as TIMESTAMP in UTC, without AT TIME ZONE).',
  ],
  [/^Permission Error/, 'Tideline never reads files or URLs: use the streams and tables of the playground.'],
  [/^Conversion Error/, 'A value does not fit the type it is cast to; check literals and CASTs.'],
  [
    /^Out of Memory Error/,
    `The engine reached its memory limit (${MEMORY_LIMIT}); nothing was lost, the statement was rolled back. Lower the rate, shorten windows and watermark delays, or use append or update instead of complete mode.`,
  ],
];

/** Turns a DuckDB exception into a message, a hint and a position in the SQL. */
export function describeError(error: unknown): EngineError {
  const text = error instanceof Error ? error.message : String(error);
  const [head = text] = text.split(/\n\s*\nLINE \d+:/);
  // DuckDB's advice on out-of-memory errors (a temp directory) does not apply in a browser.
  const message = head
    .replace(/\nDatabase is launched in in-memory mode[^]*/, '')
    .split('\n')
    .filter((line) => !/^(INSTALL|LOAD|SET) /.test(line) && !/^(Please try|Alternatively)/.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const hint = HINTS.find(([pattern]) => pattern.test(text))?.[1];
  const position = errorPosition(text);
  return { message, ...(hint && { hint }), ...(position && { position }) };
}

/** DuckDB marks the position as `LINE n: <text>` with a caret under the column on the next line. */
function errorPosition(text: string): { line: number; column: number } | undefined {
  const match = /LINE (\d+): ([^\n]*)\n( *)\^/.exec(text);
  if (!match) return undefined;
  const prefix = `LINE ${match[1]}: `.length;
  return { line: Number(match[1]), column: match[3]!.length - prefix + 1 };
}
