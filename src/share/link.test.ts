import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { documentOf } from '../../workers/engine/scenario';
import { parseScenario } from '../../workers/engine/validate';
import { defaultScenario, toDocument } from '../lib/scenario';
import {
  MAX_DOCUMENT_BYTES,
  MAX_FRAGMENT_CHARS,
  decodeLink,
  encodeLink,
  fromBase64Url,
  isLinkFragment,
  linkFits,
  shareUrl,
  toBase64Url,
} from './link';

/** A document with the defaults validation fills in. */
const validated = (document: unknown) => documentOf(parseScenario(document));

/** A full scenario: sources with a generator and a scripted one, a table, steps and UI state. */
const FULL = {
  version: 1,
  sources: [
    {
      name: 'events',
      columns: [
        ['ts', 'TIMESTAMP'],
        ['user_id', 'INTEGER'],
        ['note', 'VARCHAR'],
      ],
      eventTime: 'ts',
      watermark: '10 seconds',
    },
    {
      name: 'clicks',
      columns: [
        ['ts', 'TIMESTAMP'],
        ['user_id', 'INTEGER'],
        ['page', 'VARCHAR'],
        ['referrer', 'VARCHAR'],
        ['device', 'VARCHAR'],
      ],
      eventTime: 'ts',
      watermark: '2 seconds',
      generator: { kind: 'clicks', seed: 42, rate: 50, disorder: 1.5, skew: 1.1 },
    },
  ],
  tables: [
    {
      name: 'users',
      columns: [
        ['user_id', 'INTEGER'],
        ['name', 'VARCHAR'],
      ],
      rows: [
        [1, 'Ada'],
        [2, 'Grace — “quoted” ünïcødé 🌊'],
        [3, null],
      ],
    },
  ],
  query:
    "SELECT window_start, window_end, count(*) AS n FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECONDS)) GROUP BY window_start, window_end",
  outputMode: 'update',
  trigger: { kind: 'manual' },
  watermarkPolicy: 'max',
  steps: [
    {
      add: {
        events: [
          ['1970-01-01 00:00:10', 1, 'a'],
          ['1970-01-01 00:00:11.250', 2, null],
        ],
      },
    },
    { restart: true },
    { add: { events: [['1970-01-01 00:00:30', 3, 'late?']] } },
    { end: true },
  ],
  ui: { layout: 'split', editor: { cursor: 42 }, tabs: ['results', 'timeline'] },
};

/** A fragment holding `bytes` as given, compressed the way encodeLink does (zlib, as a cross-check). */
function fragmentOf(text: string | Uint8Array, prefix = '#v1.'): string {
  return prefix + toBase64Url(deflateRawSync(typeof text === 'string' ? Buffer.from(text, 'utf8') : text));
}

async function problem(fragment: string) {
  const result = await decodeLink(fragment);
  if (result.ok) throw new Error('expected the link to be refused');
  return result;
}

describe('encodeLink / decodeLink', () => {
  it('round-trips a full scenario to the document validation makes of it', async () => {
    const link = await encodeLink(validated(FULL));
    expect(link).toMatch(/^#v1\.[A-Za-z0-9_-]+$/);
    const result = await decodeLink(link);
    expect(result).toEqual({ ok: true, scenario: validated(FULL) });
    // and without the leading "#", as some routers hand it over
    expect(await decodeLink(link.slice(1))).toEqual(result);
  });

  it('writes deflate-raw that zlib reads, and reads what zlib writes', async () => {
    const scenario = validated(FULL);
    const link = await encodeLink(scenario);
    const bytes = fromBase64Url(link.slice(4));
    if (typeof bytes === 'string') throw new Error(bytes);
    expect(JSON.parse(inflateRawSync(bytes).toString('utf8'))).toEqual(scenario);
    expect(await decodeLink(fragmentOf(JSON.stringify(FULL)))).toEqual({ ok: true, scenario });
  });

  it('builds a share URL on the page address, replacing an old fragment', async () => {
    const scenario = validated(FULL);
    const url = await shareUrl(scenario, 'https://example.org/tideline/?x=1#v1.old');
    expect(url).toBe(`https://example.org/tideline/?x=1${await encodeLink(scenario)}`);
    expect(isLinkFragment(new URL(url).hash)).toBe(true);
    expect(isLinkFragment('')).toBe(false);
    expect(isLinkFragment('#results')).toBe(false);
    expect(isLinkFragment('#v2.abc')).toBe(true);
  });

  it('prints the link length of a typical state', async () => {
    const typical = validated({
      version: 1,
      sources: [FULL.sources[1]],
      query:
        "SELECT window_start, window_end, page, count(*) AS clicks FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECONDS)) GROUP BY window_start, window_end, page",
      outputMode: 'update',
      ui: { layout: 'split' },
    });
    const link = await encodeLink(typical);
    const scripted = await encodeLink(validated(FULL));
    console.log(
      `link length: typical live state ${link.length} chars (JSON ${JSON.stringify(typical).length}); ` +
        `full scripted scenario ${scripted.length} chars (JSON ${JSON.stringify(validated(FULL)).length})`,
    );
    expect(link.length).toBeLessThan(2000);
  });
});

describe('decodeLink refuses, with a clear message', () => {
  it('something that is not a Tideline link', async () => {
    for (const fragment of ['', '#', '#results', 'https://example.org/', '#x1.abc', '#v.abc']) {
      expect(await problem(fragment)).toMatchObject({
        reason: 'not-a-link',
        message: expect.stringContaining('not a Tideline link'),
      });
    }
    expect(await problem('#v0.AAAA')).toMatchObject({ reason: 'not-a-link' });
  });

  it('a link from a newer Tideline', async () => {
    expect(await problem(fragmentOf('{}', '#v2.'))).toMatchObject({
      reason: 'newer-version',
      message: expect.stringContaining('This link is from a newer Tideline (link format v2)'),
    });
  });

  it('bad base64', async () => {
    expect(await problem('#v1.abc$def')).toMatchObject({
      reason: 'bad-encoding',
      message: expect.stringMatching(/^This link is damaged: it holds "\$" at position 4/),
    });
    expect(await problem('#v1.ab%2Bcd')).toMatchObject({ message: expect.stringContaining('percent-encoded') });
    expect(await problem('#v1.abcde')).toMatchObject({ message: expect.stringContaining('impossible length') });
    expect(await problem('#v1.AB')).toMatchObject({ message: expect.stringContaining('last character') });
    expect(await problem('#v1.AAA=')).toMatchObject({ reason: 'bad-encoding' }); // no padding in links
  });

  it('a truncated or corrupt deflate stream', async () => {
    const link = await encodeLink(validated(FULL));
    for (const cut of [link.slice(0, Math.floor(link.length / 2)), link.slice(0, -3)]) {
      const fragment = cut.length % 4 === 1 ? cut.slice(0, -1) : cut;
      expect(await problem(fragment)).toMatchObject({
        message: expect.stringMatching(/damaged|cut off/),
      });
    }
    // flip bits in the middle of the compressed data
    const bytes = fromBase64Url(link.slice(4)) as Uint8Array;
    bytes[Math.floor(bytes.length / 2)]! ^= 0x5a;
    bytes[Math.floor(bytes.length / 3)]! ^= 0xa5;
    const flipped = await decodeLink('#v1.' + toBase64Url(bytes));
    expect(flipped.ok).toBe(false);
    // garbage that is not deflate at all: reserved block type 3
    expect(await problem('#v1.' + toBase64Url(new Uint8Array([0xff, 0xff, 0xff, 0xff])))).toMatchObject({
      reason: 'corrupt',
      message: expect.stringContaining('does not unpack'),
    });
    expect(await problem('#v1.')).toMatchObject({ reason: 'corrupt', message: expect.stringContaining('empty') });
  });

  it('an oversize fragment, before decoding anything', async () => {
    const result = await problem('#v1.' + 'A'.repeat(MAX_FRAGMENT_CHARS + 8));
    expect(result).toMatchObject({ reason: 'too-long', message: expect.stringContaining('too long') });
  });

  it('linkFits tells a link that opens from one that would be refused, at the same bound', async () => {
    const fitting = await encodeLink(toDocument(defaultScenario()));
    expect(linkFits(fitting)).toBe(true);
    // Text that does not compress, as a long written lesson's can be: the link outgrows the bound.
    let seed = 7;
    const noise = Array.from({ length: MAX_FRAGMENT_CHARS }, () => {
      seed = (seed * 48271) % 2147483647;
      return String.fromCharCode(33 + (seed % 94));
    }).join('');
    const long = await encodeLink({ ...toDocument(defaultScenario()), ui: { about: noise } });
    expect(linkFits(long)).toBe(false);
    expect(await problem(long)).toMatchObject({ reason: 'too-long' });
  });

  it('a decompression bomb: 10 MiB of zeros, stopped at the 1 MiB cap', async () => {
    const bomb = fragmentOf(new Uint8Array(10 * 1024 * 1024));
    const started = performance.now();
    const result = await problem(bomb);
    const elapsed = performance.now() - started;
    console.log(`10 MiB deflate bomb: ${bomb.length} chars of link, refused in ${elapsed.toFixed(1)} ms`);
    expect(result).toMatchObject({ reason: 'too-large', message: expect.stringContaining('more than 1 MiB') });
    // a document just under the cap still opens
    const padding = 'x'.repeat(MAX_DOCUMENT_BYTES - Buffer.byteLength(JSON.stringify({ ...FULL, ui: { pad: '' } })));
    const atCap = JSON.stringify({ ...FULL, ui: { pad: padding } });
    expect(Buffer.byteLength(atCap)).toBe(MAX_DOCUMENT_BYTES);
    expect((await decodeLink(fragmentOf(atCap))).ok).toBe(true);
    expect(await problem(fragmentOf(JSON.stringify({ ...FULL, ui: { pad: padding + 'x' } })))).toMatchObject({
      reason: 'too-large',
    });
  });

  it('text that is not UTF-8, and invalid JSON', async () => {
    expect(await problem(fragmentOf(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))).toMatchObject({
      reason: 'bad-json',
      message: expect.stringContaining('not UTF-8 text'),
    });
    expect(await problem(fragmentOf('{"version": 1, "query": '))).toMatchObject({
      reason: 'bad-json',
      message: expect.stringMatching(/^This link is damaged: its document is not valid JSON \(.+\)\.$/),
    });
  });

  it('an invalid document, naming the field', async () => {
    const bad = { ...FULL, sources: [{ ...FULL.sources[0], watermark: 'ten' }] };
    const result = await problem(fragmentOf(JSON.stringify(bad)));
    expect(result.reason).toBe('invalid-scenario');
    expect(result.message).toContain(
      `This link's playground is not valid: sources[0].watermark: expected a duration such as "10 seconds", got "ten"`,
    );
    expect(await problem(fragmentOf('[1, 2]'))).toMatchObject({ message: expect.stringContaining('(document)') });
    expect(await problem(fragmentOf('{"version": 2, "query": "SELECT 1"}'))).toMatchObject({
      message: expect.stringContaining('version: expected the number 1, got 2'),
    });
  });

  it('never throws, whatever it is given', async () => {
    const inputs: unknown[] = [null, undefined, 42, {}, '#v1.' + '_'.repeat(4000), '#v1.////', '#v99999999.x'];
    for (const input of inputs) {
      const result = await decodeLink(input as string);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
    }
  });
});

describe('base64url', () => {
  it('round-trips every length and byte value', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length * 13) & 0xff);
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });
});
