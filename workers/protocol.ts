/**
 * The engine protocol: everything the UI and the engine worker say to each other.
 * The worker implements `EngineApi`; the UI holds it as a Comlink remote.
 */

/** Which DuckDB-Wasm build the engine runs on. */
export type EngineBundle = 'eh' | 'mvp' | 'node';

export interface EngineInfo {
  duckdbVersion: string;
  bundle: EngineBundle;
  /** Milliseconds from worker start to an open database. */
  startupMs: number;
}

/** A failure the user can act on: what went wrong, where, and what to try. */
export interface EngineError {
  message: string;
  hint?: string;
  /** 1-based line and column in the SQL text, when the engine can tell. */
  position?: { line: number; column: number };
}

export type QueryOutcome =
  | {
      ok: true;
      /** The result as an Arrow IPC stream; the worker transfers its buffer. */
      arrow: Uint8Array;
      rowCount: number;
      elapsedMs: number;
    }
  | { ok: false; error: EngineError };

export interface EngineApi {
  info(): Promise<EngineInfo>;
  query(sql: string): Promise<QueryOutcome>;
}
