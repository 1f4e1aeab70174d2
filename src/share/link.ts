/**
 * Shareable links: a whole playground state (a scenario document, UI state in its `ui` field) in a URL
 * fragment, so a link needs no server and the state never leaves the browser in a request.
 *
 *   encodeLink(scenario)  → "#v1.<base64url of the deflate-raw compressed UTF-8 JSON>"
 *   decodeLink(fragment)  → { ok: true, scenario } | { ok: false, reason, message }
 *   shareUrl(scenario, page) → page URL (without its old fragment) + encodeLink(scenario)
 *   isLinkFragment(hash)  → whether a `location.hash` looks like a Tideline link at all (any version)
 *
 * `decodeLink` is strict and safe: it never throws, never runs or renders anything (it returns data only),
 * refuses fragments over MAX_FRAGMENT_CHARS and stops decompressing past MAX_DOCUMENT_BYTES (a
 * decompression bomb costs at most that much), and validates the document with `parseScenario`, so a
 * returned scenario is as trustworthy as one typed in by hand. Its `message` is meant for the user.
 *
 * A link longer than MAX_FRAGMENT_CHARS would be refused when opened: check `linkFits` before offering it
 * (only scenarios carrying large static tables or long written lessons get near that; typical states are
 * 300-800 characters).
 *
 * Uses only platform APIs (CompressionStream / DecompressionStream 'deflate-raw', TextEncoder/Decoder),
 * available in Chromium, Firefox, Safari 16.4+ and Node 20+.
 */
import { documentOf, type ScenarioDocument } from '../../workers/engine/scenario';
import { parseScenario, ScenarioError } from '../../workers/engine/validate';

/** The link format this build writes and reads. */
export const LINK_VERSION = 1;
const PREFIX = `#v${LINK_VERSION}.`;

/** The longest fragment `decodeLink` reads, in characters (64 KiB). */
export const MAX_FRAGMENT_CHARS = 64 * 1024;
/** The largest document `decodeLink` unpacks, in bytes of UTF-8 JSON (1 MiB). */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** Why a link was refused; `message` says it in words. */
export type LinkProblem =
  | 'not-a-link'
  | 'newer-version'
  | 'too-long'
  | 'bad-encoding'
  | 'corrupt'
  | 'too-large'
  | 'bad-json'
  | 'invalid-scenario';

export type DecodeResult =
  { ok: true; scenario: ScenarioDocument } | { ok: false; reason: LinkProblem; message: string };

/** Whether `decodeLink` would read a fragment this long: a longer one is better saved as a file. */
export function linkFits(fragment: string): boolean {
  return fragment.trim().length <= MAX_FRAGMENT_CHARS + PREFIX.length;
}

/** Any version's link: `#v<digits>.` followed by data. */
const ANY_VERSION = /^#?v(\d{1,6})\./;

/** Whether `hash` (e.g. `location.hash`) looks like a Tideline link of any version; cheap, decodes nothing. */
export function isLinkFragment(hash: string): boolean {
  return ANY_VERSION.test(hash.trim());
}

/**
 * The fragment for `scenario`, starting with "#". The document is written as it is, `ui` included;
 * throws only if it holds something JSON cannot (a BigInt, a cycle), which a scenario document never should.
 */
export async function encodeLink(scenario: ScenarioDocument): Promise<string> {
  const json = JSON.stringify(scenario);
  const packed = await transform(new TextEncoder().encode(json), new CompressionStream('deflate-raw'), Infinity);
  return PREFIX + toBase64Url(packed);
}

/** `page` (e.g. `location.href`) with its fragment replaced by the link for `scenario`. */
export async function shareUrl(scenario: ScenarioDocument, page: string): Promise<string> {
  const url = new URL(page);
  url.hash = '';
  return url.href.replace(/#$/, '') + (await encodeLink(scenario));
}

function refuse(reason: LinkProblem, message: string): DecodeResult {
  return { ok: false, reason, message };
}

/** Reads a fragment made by `encodeLink` (with or without its leading "#"); never throws. */
export async function decodeLink(fragment: string): Promise<DecodeResult> {
  try {
    return await decode(fragment);
  } catch {
    // Every expected failure is handled below; this is a last line of defence for the unexpected.
    return refuse('corrupt', 'This link could not be read: it is damaged.');
  }
}

async function decode(fragment: string): Promise<DecodeResult> {
  if (typeof fragment !== 'string') return refuse('not-a-link', 'This is not a Tideline link.');
  const text = fragment.trim();
  if (!linkFits(text)) {
    return refuse(
      'too-long',
      `This link is too long to open (${text.length.toLocaleString('en-US')} characters; ` +
        `Tideline reads links of up to ${MAX_FRAGMENT_CHARS.toLocaleString('en-US')}).`,
    );
  }
  const version = ANY_VERSION.exec(text);
  if (!version) {
    return refuse('not-a-link', 'This is not a Tideline link: its part after "#" should start with "v1.".');
  }
  const number = Number(version[1]);
  if (number !== LINK_VERSION) {
    return number > LINK_VERSION
      ? refuse(
          'newer-version',
          `This link is from a newer Tideline (link format v${number}); this one reads v${LINK_VERSION} links. ` +
            'Reload the page to get the latest version.',
        )
      : refuse('not-a-link', `This is not a Tideline link: there is no link format v${number}.`);
  }

  const packed = fromBase64Url(text.slice(version[0].length));
  if (typeof packed === 'string') return refuse('bad-encoding', `This link is damaged: ${packed}.`);
  if (packed.length === 0) return refuse('corrupt', 'This link is empty: it holds no playground.');

  let bytes: Uint8Array;
  try {
    bytes = await transform(packed, new DecompressionStream('deflate-raw'), MAX_DOCUMENT_BYTES);
  } catch (error) {
    if (error instanceof TooLarge) {
      return refuse(
        'too-large',
        `This link unpacks to more than ${MAX_DOCUMENT_BYTES / (1024 * 1024)} MiB; Tideline does not open it.`,
      );
    }
    return refuse('corrupt', 'This link is damaged or was cut off when it was copied: its data does not unpack.');
  }

  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return refuse('bad-json', 'This link is damaged: its document is not UTF-8 text.');
  }
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    const detail = error instanceof Error ? ` (${error.message})` : '';
    return refuse('bad-json', `This link is damaged: its document is not valid JSON${detail}.`);
  }

  try {
    return { ok: true, scenario: documentOf(parseScenario(document)) };
  } catch (error) {
    if (error instanceof ScenarioError) {
      const hint = error.hint ? ` (${error.hint})` : '';
      return refuse('invalid-scenario', `This link's playground is not valid: ${error.message}${hint}.`);
    }
    throw error;
  }
}

class TooLarge extends Error {}

/** Runs `bytes` through a compression stream, failing with TooLarge once the output passes `limit` bytes. */
async function transform(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
  limit: number,
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  // Writing and closing settle only as the output is read; their failures show up on the reader too.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new TooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// base64url without padding (RFC 4648 §5), strict: no padding, no whitespace, canonical trailing bits.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/** The bytes, or why the text is not base64url (a phrase for "This link is damaged: ..."). */
export function fromBase64Url(text: string): Uint8Array | string {
  if (text.length % 4 === 1) return 'its data has an impossible length (part of it is missing)';
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let count = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? INDEX[code]! : -1;
    if (value < 0) {
      const shown = code === 0x25 ? '"%" (the link was percent-encoded)' : JSON.stringify(text[i]);
      return `it holds ${shown} at position ${i + 1}, which cannot be part of a Tideline link`;
    }
    bits = (bits << 6) | value;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[at++] = (bits >> count) & 0xff;
      bits &= (1 << count) - 1;
    }
  }
  if (bits !== 0) return 'its last character is wrong (the link was cut off or altered)';
  return out;
}
