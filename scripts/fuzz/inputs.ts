/**
 * The fuzzer's inputs: seeded mutations of the lessons' and examples' scenario documents, of their SQL,
 * and of share links. `makeInput(seed, index)` is a pure function, so any input can be replayed alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { LESSONS, applyChange } from '../../src/lessons';
import { toBase64Url } from '../../src/share/link';
import { inputRng, type Rng } from './random';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type SessionOp =
  { op: 'step' } | { op: 'play'; ms: number } | { op: 'pause' } | { op: 'reset' } | { op: 'load'; document: Json };

/** One fuzz input and the path it goes through. */
export type FuzzInput =
  /** The CLI's code in-process: parse, then run the steps or a few live batches, print JSON lines. */
  | { path: 'cli'; label: string; document: Json; exportTo?: 'pyspark' | 'flink' }
  /** The real CLI in a subprocess, fed raw text on stdin. */
  | { path: 'cli-process'; label: string; text: string }
  /** The worker's API: a LiveSession on fake timers, loaded, then driven by `ops`. */
  | { path: 'session'; label: string; document: Json; ops: SessionOp[] }
  /** A share link: decoded; a link that opens is then loaded and stepped like the UI does. */
  | { path: 'link'; label: string; fragment: string };

// ---------------------------------------------------------------------------------------------------
// The corpus: every lesson (and each lesson step's change), and every example document.

function loadCorpus(): Json[] {
  const documents: Json[] = [];
  for (const lesson of LESSONS) {
    documents.push(structuredClone(lesson.scenario) as unknown as Json);
    for (const step of lesson.steps) {
      if (step.change) documents.push(structuredClone(applyChange(lesson.scenario, step.change)) as unknown as Json);
    }
  }
  const examples = new URL('../../examples/', import.meta.url);
  for (const dir of ['', 'nexmark/']) {
    for (const name of readdirSync(new URL(dir, examples))
      .filter((file) => file.endsWith('.json'))
      .sort()) {
      documents.push(JSON.parse(readFileSync(new URL(dir + name, examples), 'utf8')) as Json);
    }
  }
  return documents;
}

const CORPUS = loadCorpus();
const QUERIES = [...new Set(CORPUS.map(queryOf).filter((query): query is string => query !== undefined))];

function queryOf(document: Json): string | undefined {
  if (!isObject(document)) return undefined;
  return typeof document.query === 'string' ? document.query : undefined;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------
// SQL mutations

const KEYWORDS = [
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP BY',
  'ORDER BY',
  'LIMIT 1',
  'HAVING',
  'JOIN',
  'LEFT JOIN',
  'ON',
  'AND',
  'OR',
  'NOT',
  'NULL',
  'AS',
  'DISTINCT',
  'UNION ALL',
  'WITH',
  'OVER',
  'PARTITION BY',
  'ROW_NUMBER()',
  'TABLE',
  'TUMBLE',
  'HOP',
  'CUMULATE',
  'SESSION',
  'DESCRIPTOR(ts)',
  "INTERVAL '0' SECONDS",
  "INTERVAL '-5' SECONDS",
  "INTERVAL '99999999999' DAYS",
  "window(ts, '0 seconds')",
  "window(ts, '-1 seconds')",
  "session_window(ts, 'x')",
  'window_start',
  'window_end',
  'count(*)',
  'sum(',
  'max(',
  'first(',
  'last(',
  'any_value(',
  'EXPORT_STATE',
  'combine(',
  'finalize(',
  '(',
  ')',
  ',',
  ';',
  "'",
  '"',
  '--',
  '/*',
  '*',
  '.',
  '1e309',
  '-9223372036854775808',
  'CAST(ts AS VARCHAR)',
  "TIMESTAMP '9999-12-31 23:59:59'",
  "TIMESTAMP '0001-01-01'",
  'NULL::TIMESTAMP',
  'DEDUPLICATE_WITHIN_WATERMARK',
  'LATERAL',
  'RECURSIVE',
  'QUALIFY',
  'PIVOT',
  'UNNEST(range(1000000))',
  "read_csv('http://127.0.0.1/x.csv')",
  "COPY (SELECT 1) TO 'out.csv'",
  "ATTACH 'x.db'",
  'INSTALL httpfs',
  'LOAD icu',
  'SET enable_external_access = true',
  'DROP SCHEMA main CASCADE',
  'PRAGMA version',
  'CHECKPOINT',
  '<script>alert(1)</script>',
  '\u0000',
  '🌊',
  '\\',
  '$1',
  '?',
] as const;

/** Names a window kind could be misspelt as. */
const WINDOW_KINDS = ['TUMBLEX', 'SLIDE', 'HOPPING', 'SESSIONS', 'WINDOW', 'tumble', 'Cumulate', 'GLOBAL'];

const SQL_TOKEN = /'(?:[^']|'')*'?|"[^"]*"?|\w+|\s+|[^\w\s]/g;

function tokens(sql: string): string[] {
  return sql.match(SQL_TOKEN) ?? [];
}

const SQL_MUTATIONS: Record<string, (sql: string, rng: Rng) => string> = {
  'delete a token': (sql, rng) => {
    const parts = tokens(sql);
    parts.splice(rng.int(parts.length), 1);
    return parts.join('');
  },
  'duplicate a token': (sql, rng) => {
    const parts = tokens(sql);
    const at = rng.int(parts.length);
    parts.splice(at, 0, parts[at] ?? '');
    return parts.join('');
  },
  'swap two tokens': (sql, rng) => {
    const parts = tokens(sql);
    const a = rng.int(parts.length);
    const b = rng.int(parts.length);
    [parts[a], parts[b]] = [parts[b]!, parts[a]!];
    return parts.join('');
  },
  truncate: (sql, rng) => sql.slice(0, rng.int(sql.length + 1)),
  'insert a keyword': (sql, rng) => {
    const parts = tokens(sql);
    parts.splice(rng.int(parts.length + 1), 0, ` ${rng.pick(KEYWORDS)} `);
    return parts.join('');
  },
  'replace a number': (sql, rng) =>
    sql.replace(/\d+/, rng.pick(['0', '-1', '99999999999999999999', '1e308', '0.0000001', '2147483648'])),
  'unknown window kind': (sql, rng) =>
    sql.replace(/\b(TUMBLE|HOP|CUMULATE|SESSION|window|session_window)\b/, rng.pick(WINDOW_KINDS)),
  'another query': (_sql, rng) => rng.pick(QUERIES),
  'random SQL': (_sql, rng) => {
    const words = Array.from({ length: 1 + rng.int(12) }, () => rng.pick(KEYWORDS));
    return words.join(rng.chance(0.8) ? ' ' : '');
  },
  'random text': (_sql, rng) =>
    Array.from({ length: rng.int(200) }, () =>
      String.fromCodePoint(rng.chance(0.9) ? 32 + rng.int(95) : rng.int(0x3000)),
    ).join(''),
  'two statements': (sql, rng) => `${sql}; ${rng.pick(['DROP TABLE clicks', 'SELECT 1', 'CREATE TABLE t(a INT)', ''])}`,
  'huge query': (sql, rng) => `${sql} ${'AND 1=1 '.repeat(rng.chance(0.5) ? 2_000 : 200)}`,
  'deep nesting': (_sql, rng) => {
    const depth = rng.pick([50, 500, 3_000]);
    return `SELECT ${'('.repeat(depth)}1${')'.repeat(depth)} FROM clicks`;
  },
};

function mutateSql(sql: string, rng: Rng, notes: string[]): string {
  const names = Object.keys(SQL_MUTATIONS);
  let out = sql;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const name = rng.pick(names);
    notes.push(`sql: ${name}`);
    out = SQL_MUTATIONS[name]!(out, rng);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Document mutations

const ODD_VALUES: Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  -0.5,
  1e308,
  -1e308,
  2 ** 53 + 2,
  -(2 ** 63),
  '',
  'x',
  '-5 seconds',
  '0 seconds',
  '99999999999 days',
  '1e309',
  'NaN',
  'Infinity',
  [],
  {},
  [[]],
  [null],
  { kind: 'tumble' },
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
];

const TIMESTAMPS: Json[] = [
  null,
  '0001-01-01 00:00:00',
  '9999-12-31 23:59:59.999999',
  '1677-09-21 00:12:43',
  '2262-04-11 23:47:16.854775',
  '290309-12-21 00:00:00',
  '-infinity',
  'infinity',
  '1970-01-01 00:00:00',
  '2024-02-30 00:00:00',
  '2024-01-01T00:00:00Z',
  '2024-01-01',
  '1969-12-31 23:59:59.999999',
  0,
  -1,
  1e20,
  '',
];

const DELAYS: Json[] = [
  '-5 seconds',
  '0 seconds',
  '0 ms',
  '-0 s',
  '1 ms',
  '99999999 days',
  '1.0000001 ms',
  '5 m',
  '1 month',
  5,
];

const GENERATOR_KNOBS: [string, Json[]][] = [
  ['rate', [1e9, 1e-9, 0, -1, 1e308, 0.001, 200_000]],
  ['seed', [-1, 2 ** 53, 1.5, 0, 4294967296]],
  ['speed', [0, 1e12, -1, 1e-12, 3600]],
  ['start', ['0001-01-01 00:00:00', '9999-12-31 23:59:59', '294276-01-01 00:00:00', '1970-01-01', 'yesterday', 0]],
  ['disorder', [1e9, -1, 0, 86_400 * 365]],
  ['lateFraction', [1, 1.5, -0.1, 0.999]],
  ['lateBy', [1e12, -1, 0, 86_400 * 365 * 1000]],
  ['keys', [0, 1, 1e12, 1.5, 10_000_000]],
  ['skew', [-1, 0, 10, 100]],
  ['ramp', [1e12, -1, 0.0001]],
  ['burst', [{ every: 1, length: 0.5, factor: 1e9 }, { every: 0, length: 0, factor: 0 }, {}, []]],
  [
    'idle',
    [
      { every: 1, length: 0.999 },
      { every: 1e-9, length: 1e-10 },
      { every: 10, length: 20 },
    ],
  ],
  ['kind', ['clicks', 'orders', 'sensors', 'nope', '', 5]],
];

/** Every [container, key] pair in the document, for a random pick. */
function slots(value: Json, out: [Json[] | { [key: string]: Json }, string | number][] = []) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push([value, i]);
      if (out.length < 5_000) slots(item, out);
    });
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) {
      out.push([value, key]);
      if (out.length < 5_000) slots(value[key]!, out);
    }
  }
  return out;
}

function sourcesOf(document: Json): { [key: string]: Json }[] {
  if (!isObject(document) || !Array.isArray(document.sources)) return [];
  return document.sources.filter(isObject);
}

/** A row of `source` in its column order: a copy of a scripted row when there is one, else made up. */
function rowFor(source: { [key: string]: Json }, rng: Rng): Json[] {
  const columns = Array.isArray(source.columns) ? source.columns : [];
  return columns.map((pair) => {
    const type = Array.isArray(pair) ? String(pair[1]).toUpperCase() : '';
    if (type === 'TIMESTAMP') return `2024-01-01 00:00:${String(rng.int(60)).padStart(2, '0')}`;
    if (/INT/.test(type)) return rng.int(100);
    if (/DOUBLE|DECIMAL|FLOAT|REAL/.test(type)) return rng.next() * 100;
    if (type === 'BOOLEAN') return rng.chance(0.5);
    return rng.pick(['a', 'b', '<b>c</b>', '']);
  });
}

function addSteps(document: { [key: string]: Json }): Json[] {
  if (!Array.isArray(document.steps)) document.steps = [];
  return document.steps;
}

const DOCUMENT_MUTATIONS: Record<string, (document: Json, rng: Rng) => Json> = {
  'delete a field': (document, rng) => {
    const all = slots(document);
    if (all.length === 0) return document;
    const [container, key] = rng.pick(all);
    if (Array.isArray(container)) container.splice(key as number, 1);
    else delete container[key];
    return document;
  },
  'wrong type': (document, rng) => {
    const all = slots(document);
    if (all.length === 0) return rng.pick(ODD_VALUES);
    const [container, key] = rng.pick(all);
    (container as Record<string | number, Json>)[key] = structuredClone(rng.pick(ODD_VALUES));
    return document;
  },
  'unknown field': (document, rng) => {
    const objects = slots(document)
      .map(([container, key]) => (container as Record<string | number, Json>)[key]!)
      .filter(isObject);
    const target = objects.length > 0 && rng.chance(0.7) ? rng.pick(objects) : document;
    if (isObject(target)) target[rng.pick(['rows', 'sql', 'windowKind', '__proto__', 'constructor', 'extra'])] = 1;
    return document;
  },
  'odd watermark': (document, rng) => {
    for (const source of sourcesOf(document)) if (rng.chance(0.7)) source.watermark = rng.pick(DELAYS);
    return document;
  },
  'odd trigger': (document, rng) => {
    if (isObject(document)) {
      document.trigger = rng.pick<Json>([
        { kind: 'processingTime', interval: rng.pick(DELAYS) },
        { kind: 'once' },
        { kind: 'availableNow' },
        { kind: 'manual' },
        { kind: 'continuous', interval: '1 second' },
        { kind: 'once', interval: '1 second' },
      ]);
    }
    return document;
  },
  'odd generator knob': (document, rng) => {
    for (const source of sourcesOf(document)) {
      if (!isObject(source.generator)) continue;
      const [knob, values] = rng.pick(GENERATOR_KNOBS);
      source.generator[knob] = structuredClone(rng.pick(values));
    }
    return document;
  },
  'odd event times': (document, rng) => {
    const sources = sourcesOf(document);
    if (sources.length === 0 || !isObject(document)) return document;
    const source = rng.pick(sources);
    const name = String(source.name);
    const columns = Array.isArray(source.columns) ? source.columns : [];
    const at = columns.findIndex((pair) => Array.isArray(pair) && pair[0] === source.eventTime);
    const rows = Array.from({ length: 1 + rng.int(6) }, () => {
      const row = rowFor(source, rng);
      if (at >= 0) row[at] = structuredClone(rng.pick(TIMESTAMPS));
      return row;
    });
    const steps = addSteps(document);
    steps.splice(rng.int(steps.length + 1), 0, { add: { [name]: rows } });
    if (rng.chance(0.5)) steps.push({ add: { [name]: [rowFor(source, rng)] } });
    return document;
  },
  'empty batch': (document, rng) => {
    const sources = sourcesOf(document);
    if (sources.length === 0 || !isObject(document)) return document;
    const steps = addSteps(document);
    steps.splice(rng.int(steps.length + 1), 0, { add: { [String(rng.pick(sources).name)]: [] } });
    return document;
  },
  'enormous batch': (document, rng) => {
    const sources = sourcesOf(document);
    if (sources.length === 0 || !isObject(document)) return document;
    const source = rng.pick(sources);
    const size = rng.pick([1_000, 5_000, 20_000]);
    const rows = Array.from({ length: size }, () => rowFor(source, rng));
    addSteps(document).unshift({ add: { [String(source.name)]: rows } });
    return document;
  },
  'many steps': (document, rng) => {
    const sources = sourcesOf(document);
    if (sources.length === 0 || !isObject(document)) return document;
    const source = rng.pick(sources);
    const steps = addSteps(document);
    for (let i = rng.pick([20, 60]); i > 0; i--) steps.push({ add: { [String(source.name)]: [rowFor(source, rng)] } });
    return document;
  },
  'restart and end': (document, rng) => {
    if (!isObject(document)) return document;
    const steps = addSteps(document);
    for (let i = 1 + rng.int(4); i > 0; i--) {
      steps.splice(
        rng.int(steps.length + 1),
        0,
        rng.pick<Json>([{ restart: true }, { end: true }, { end: false }, {}]),
      );
    }
    return document;
  },
  'output mode': (document, rng) => {
    if (isObject(document)) document.outputMode = rng.pick(['append', 'update', 'complete', 'Append', 'upsert']);
    return document;
  },
  'several queries': (document, rng) => {
    const query = queryOf(document);
    if (!isObject(document) || query === undefined) return document;
    delete document.query;
    document.queries = [
      { name: 'a', query, outputMode: rng.pick(['append', 'update', 'complete']) },
      { name: rng.pick(['b', 'a', 'A', '1x']), query: rng.pick(QUERIES) },
    ];
    return document;
  },
  'HTML in text': (document) => htmlEverywhere(document),
};

const HTML = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
];

/** Puts markup into every string of the document, keeping the strings it starts with (identifiers stay readable). */
export function htmlEverywhere(value: Json, depth = 0): Json {
  if (typeof value === 'string') return value + HTML[depth % HTML.length];
  if (Array.isArray(value)) return value.map((item) => htmlEverywhere(item, depth + 1));
  if (isObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) out[key] = htmlEverywhere(item, depth + 1);
    if (depth === 0) out.ui = { about: HTML.join(' '), title: HTML[1]!, lesson: HTML[0]!, notes: [HTML[2]!] };
    return out;
  }
  return value;
}

/** A corpus document with 0 to 3 mutations of its SQL or its structure. */
function mutatedDocument(rng: Rng, notes: string[]): Json {
  const base = rng.int(CORPUS.length);
  notes.push(`corpus[${base}]`);
  let document: Json = structuredClone(CORPUS[base]!);
  const names = Object.keys(DOCUMENT_MUTATIONS);
  for (let n = rng.int(4); n > 0; n--) {
    if (rng.chance(0.45)) {
      const query = queryOf(document);
      if (query !== undefined && isObject(document)) document.query = mutateSql(query, rng, notes);
    } else {
      const name = rng.pick(names);
      notes.push(name);
      document = DOCUMENT_MUTATIONS[name]!(document, rng);
    }
  }
  return document;
}

// ---------------------------------------------------------------------------------------------------
// Links

function linkOf(document: Json | string | Uint8Array, prefix = '#v1.'): string {
  const bytes =
    document instanceof Uint8Array
      ? document
      : Buffer.from(typeof document === 'string' ? document : JSON.stringify(document));
  return prefix + toBase64Url(deflateRawSync(bytes));
}

let bombs: string[] | undefined;

/** Fragments that unpack far past the link's size limit: 40 MB and 2 MB of spaces inside a JSON string. */
function decompressionBombs(): string[] {
  bombs ??= [40, 2].map((megabytes) => {
    const inside = Buffer.alloc(megabytes * 1024 * 1024, 0x20);
    return linkOf(Buffer.concat([Buffer.from('{"version":1,"query":"'), inside, Buffer.from('"}')]));
  });
  return bombs;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const LINK_MUTATIONS: Record<string, (link: string, rng: Rng, document: Json) => string> = {
  intact: (link) => link,
  truncated: (link, rng) => link.slice(0, rng.int(link.length)),
  'character changed': (link, rng) => {
    const at = 4 + rng.int(Math.max(1, link.length - 4));
    return link.slice(0, at) + rng.pick([...BASE64URL, '%', '=', ' ', '+', '/', 'é']) + link.slice(at + 1);
  },
  'bit flipped': (_link, rng, document) => {
    const packed = deflateRawSync(Buffer.from(JSON.stringify(document)));
    const at = rng.int(packed.length);
    packed[at]! ^= 1 << rng.int(8);
    return '#v1.' + toBase64Url(packed);
  },
  'wrong version': (link, rng) =>
    link.replace(/^#v1\./, rng.pick(['#v0.', '#v2.', '#v999999.', '#v1', '#V1.', 'v1.', '#v01.', '#v1..', '#1.', '#'])),
  'no document': (_link, rng) => rng.pick(['', '#', '#v1.', '#v1.A', '#v1.AA', ' #v1. ', '#v1.____']),
  'not JSON': (_link, rng) => linkOf(rng.pick(['{', 'null', '[]', '"x"', '1', 'NaN', '{"version":1,}', '\u0000'])),
  'not UTF-8': () => linkOf(Uint8Array.from([0x7b, 0xff, 0xfe, 0xc0, 0x80, 0x7d])),
  'percent-encoded': (link) => encodeURIComponent(link).replace(/-/g, '%2D'),
  'multi-megabyte': (link, rng) => link + rng.pick([...BASE64URL]).repeat(rng.pick([70_000, 1_000_000, 4_000_000])),
  'decompression bomb': (_link, rng) => rng.pick(decompressionBombs()),
  'HTML in every text field': (_link, _rng, document) => linkOf(htmlEverywhere(document)),
  'markup instead of data': (_link, rng) =>
    rng.pick(['#v1.<script>alert(1)</script>', '#<img src=x onerror=alert(1)>', '#v1.javascript:alert(1)']),
};

// ---------------------------------------------------------------------------------------------------

function sessionOps(rng: Rng): SessionOp[] {
  const ops: SessionOp[] = [];
  for (let n = 1 + rng.int(5); n > 0; n--) {
    const roll = rng.next();
    if (roll < 0.4) ops.push({ op: 'step' });
    else if (roll < 0.7) ops.push({ op: 'play', ms: rng.pick([0, 100, 1000, 2500, 5000]) });
    else if (roll < 0.8) ops.push({ op: 'pause' });
    else if (roll < 0.9) ops.push({ op: 'reset' });
    else ops.push({ op: 'load', document: mutatedDocument(rng, []) });
  }
  return ops;
}

/** How often an input goes through the real CLI in a subprocess (slow: it starts Node and DuckDB). */
export const PROCESS_EVERY = 400;

/** Input `index` of the run seeded with `seed`. */
export function makeInput(seed: number, index: number): FuzzInput {
  const rng = inputRng(seed, index);
  const notes: string[] = [];
  if (index % PROCESS_EVERY === PROCESS_EVERY - 1) {
    const text = JSON.stringify(mutatedDocument(rng, notes));
    const cut = rng.chance(0.3) ? text.slice(0, rng.int(text.length)) : text;
    if (cut !== text) notes.push('text truncated');
    return { path: 'cli-process', label: notes.join(', '), text: cut };
  }
  const roll = rng.next();
  if (roll < 0.4) {
    const document = mutatedDocument(rng, notes);
    const exportTo = rng.chance(0.15) ? rng.pick(['pyspark', 'flink'] as const) : undefined;
    if (exportTo) notes.push(`export ${exportTo}`);
    return { path: 'cli', label: notes.join(', '), document, ...(exportTo && { exportTo }) };
  }
  if (roll < 0.75) {
    const document = mutatedDocument(rng, notes);
    return { path: 'session', label: notes.join(', '), document, ops: sessionOps(rng) };
  }
  const document = mutatedDocument(rng, notes);
  const name = rng.pick(Object.keys(LINK_MUTATIONS));
  notes.push(`link: ${name}`);
  return { path: 'link', label: notes.join(', '), fragment: LINK_MUTATIONS[name]!(linkOf(document), rng, document) };
}
