/**
 * Strict validation of a generator spec: every knob is checked and every unknown knob refused, with an error
 * that names the field and says what was expected.
 */
import type { GeneratorSpec } from '../scenario';
import { parseTimestampMicros } from './clock';

export class GeneratorConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'GeneratorConfigError';
  }
}

/** A validated generator spec with every default filled in. Durations are in seconds. */
export interface GeneratorConfig {
  kind: string;
  seed: number;
  rate: number;
  /** Event time of offset 0, epoch microseconds. */
  startMicros: number;
  speed: number;
  disorder: number;
  lateFraction: number;
  lateBy: number;
  ramp: number;
  burst?: { every: number; length: number; factor: number };
  idle?: { every: number; length: number };
  keys: number;
  skew: number;
  anomalyFraction: number;
  fraudFraction: number;
}

/** What validation needs to know about a dataset. */
export interface KnobInfo {
  kind: string;
  /** Knobs beyond the common ones that this dataset accepts. */
  extraKnobs: readonly ('keys' | 'skew' | 'anomalyFraction' | 'fraudFraction')[];
  defaultKeys: number;
  maxKeys: number;
}

export const COMMON_KNOBS = [
  'kind',
  'seed',
  'rate',
  'start',
  'speed',
  'disorder',
  'lateFraction',
  'lateBy',
  'ramp',
  'burst',
  'idle',
] as const;

const DEFAULT_START = '2024-01-01 00:00:00';

/** How a value looks in an error message. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) {
    return String(value);
  }
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function fail(field: string, expected: string, value: unknown): never {
  throw new GeneratorConfigError(field, `${field}: expected ${expected}, got ${show(value)}`);
}

interface NumberRule {
  /** Smallest allowed value, inclusive unless `minExclusive`. */
  min?: number;
  minExclusive?: boolean;
  max?: number;
  maxExclusive?: boolean;
  integer?: boolean;
  expected: string;
}

function number(field: string, value: unknown, rule: NumberRule): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, rule.expected, value);
  if (rule.integer && !Number.isSafeInteger(value)) fail(field, rule.expected, value);
  if (rule.min !== undefined && (rule.minExclusive ? value <= rule.min : value < rule.min)) {
    fail(field, rule.expected, value);
  }
  if (rule.max !== undefined && (rule.maxExclusive ? value >= rule.max : value > rule.max)) {
    fail(field, rule.expected, value);
  }
  return value;
}

function optionalNumber(field: string, value: unknown, fallback: number, rule: NumberRule): number {
  return value === undefined ? fallback : number(field, value, rule);
}

const POSITIVE: NumberRule = { min: 0, minExclusive: true, expected: 'a number greater than 0' };
const NON_NEGATIVE_SECONDS: NumberRule = { min: 0, expected: 'a number of seconds ≥ 0' };
const FRACTION: NumberRule = { min: 0, max: 1, expected: 'a number between 0 and 1' };

function plainObject(field: string, value: unknown, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, expected, value);
  return value as Record<string, unknown>;
}

function onlyKeys(field: string, object: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw new GeneratorConfigError(
        `${field}.${key}`,
        `${field}.${key}: unknown field; expected only ${allowed.join(', ')}`,
      );
    }
  }
}

/** A periodic window: every `every` seconds, the last `length` seconds. */
function window(field: string, value: unknown, withFactor: boolean) {
  const names = withFactor ? ['every', 'length', 'factor'] : ['every', 'length'];
  const object = plainObject(field, value, `an object { ${names.join(', ')} }`);
  onlyKeys(field, object, names);
  const every = number(`${field}.every`, object.every, { ...POSITIVE, expected: 'a number of seconds greater than 0' });
  const length = number(`${field}.length`, object.length, {
    min: 0,
    minExclusive: true,
    max: every,
    maxExclusive: true,
    expected: `a number of seconds greater than 0 and less than ${field}.every (${every})`,
  });
  const factor = withFactor ? number(`${field}.factor`, object.factor, POSITIVE) : 1;
  return { every, length, factor };
}

/** Validates a spec against a dataset and fills in the defaults. `spec.kind` must already name `info`. */
export function validateSpec(spec: GeneratorSpec, info: KnobInfo): GeneratorConfig {
  const allowed: readonly string[] = [...COMMON_KNOBS, ...info.extraKnobs];
  for (const key of Object.keys(spec)) {
    if (!allowed.includes(key)) {
      throw new GeneratorConfigError(
        `generator.${key}`,
        `generator.${key}: unknown knob for ${JSON.stringify(info.kind)}; expected one of ${allowed.join(', ')}`,
      );
    }
  }
  const seed = number('generator.seed', spec.seed, { min: 0, integer: true, expected: 'a non-negative integer' });
  const rate = number('generator.rate', spec.rate, { ...POSITIVE, expected: 'a number of events per second > 0' });

  let startMicros = parseTimestampMicros(DEFAULT_START)!;
  if (spec.start !== undefined) {
    const parsed = typeof spec.start === 'string' ? parseTimestampMicros(spec.start) : undefined;
    if (parsed === undefined) fail('generator.start', 'a UTC timestamp like "2024-01-01 00:00:00"', spec.start);
    startMicros = parsed;
  }
  const speed = optionalNumber('generator.speed', spec.speed, 1, {
    ...POSITIVE,
    expected: 'a number greater than 0 (event seconds per processing second)',
  });
  const disorder = optionalNumber('generator.disorder', spec.disorder, 0, NON_NEGATIVE_SECONDS);
  const lateFraction = optionalNumber('generator.lateFraction', spec.lateFraction, 0, FRACTION);
  const lateBy = optionalNumber('generator.lateBy', spec.lateBy, 60, NON_NEGATIVE_SECONDS);
  const ramp = optionalNumber('generator.ramp', spec.ramp, 0, NON_NEGATIVE_SECONDS);
  const burst = spec.burst === undefined ? undefined : window('generator.burst', spec.burst, true);
  const idleWindow = spec.idle === undefined ? undefined : window('generator.idle', spec.idle, false);
  const idle = idleWindow && { every: idleWindow.every, length: idleWindow.length };
  const keys = optionalNumber('generator.keys', spec.keys, info.defaultKeys, {
    min: 1,
    max: info.maxKeys,
    integer: true,
    expected: `an integer between 1 and ${info.maxKeys}`,
  });
  const skew = optionalNumber('generator.skew', spec.skew, 0, {
    min: 0,
    max: 10,
    expected: 'a Zipf exponent between 0 and 10',
  });
  const anomalyFraction = optionalNumber('generator.anomalyFraction', spec.anomalyFraction, 0.01, FRACTION);
  const fraudFraction = optionalNumber('generator.fraudFraction', spec.fraudFraction, 0.01, FRACTION);
  return {
    kind: info.kind,
    seed,
    rate,
    startMicros,
    speed,
    disorder,
    lateFraction,
    lateBy,
    ramp,
    ...(burst && { burst }),
    ...(idle && { idle }),
    keys,
    skew,
    anomalyFraction,
    fraudFraction,
  };
}
