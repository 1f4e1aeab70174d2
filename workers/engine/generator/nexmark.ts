/**
 * The Nexmark benchmark's online auction: one global event sequence in which event i is a person when
 * i % 50 == 0, an auction when i % 50 is 1, 2 or 3, and a bid otherwise (proportions 1 : 3 : 46).
 * `nexmark_person`, `nexmark_auction` and `nexmark_bid` each generate one event type: their offsets count
 * that type's events, and everything about an event (its time included) comes from its global index, so the
 * three streams of one seed and rate agree with each other.
 *
 * Bids and auctions refer to people and auctions that already exist. As in Nexmark, activity is hot: half the
 * bids go to the first auction of the latest batch of 100, the rest to one of the 100 most recent auctions;
 * three quarters of bidders (and of sellers) are the hot person of the latest batch of 100 people, the rest one
 * of the 1000 most recent people.
 */
import type { ColumnSpec } from '../scenario';
import { Int64Column, scratch, StringColumnBuilder, StringDictionary, type ColumnData } from './arrow';
import type { GeneratorConfig } from './config';
import { COMMON_DESCRIPTION, type Batch, type Dataset, type DatasetStream } from './dataset';
import { field, TWO_32, unitField } from './random';
import {
  ADJECTIVES,
  AUCTION_DESCRIPTIONS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  NAMED_CHANNELS,
  NOUNS,
  US_CITIES,
} from './words';

export const EVENTS_PER_CYCLE = 50;
export const PERSONS_PER_CYCLE = 1;
export const AUCTIONS_PER_CYCLE = 3;
export const BIDS_PER_CYCLE = 46;
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
const CATEGORIES = 5;
const HOT_BATCH = 100;
const IN_FLIGHT_AUCTIONS = 100;
const ACTIVE_PEOPLE = 1000;
const CHANNELS = 10_000;

export type NexmarkEvent = 'person' | 'auction' | 'bid';

/** The global index of a type's event `offset`. */
export function nexmarkGlobalIndex(type: NexmarkEvent, offset: number): number {
  switch (type) {
    case 'person':
      return offset * EVENTS_PER_CYCLE;
    case 'auction':
      return Math.floor(offset / AUCTIONS_PER_CYCLE) * EVENTS_PER_CYCLE + 1 + (offset % AUCTIONS_PER_CYCLE);
    case 'bid':
      return Math.floor(offset / BIDS_PER_CYCLE) * EVENTS_PER_CYCLE + 4 + (offset % BIDS_PER_CYCLE);
  }
}

/** How many of the first `n` global events are of `type`. */
export function nexmarkCount(type: NexmarkEvent, n: number): number {
  const cycles = Math.floor(n / EVENTS_PER_CYCLE);
  const rest = n - cycles * EVENTS_PER_CYCLE;
  switch (type) {
    case 'person':
      return cycles + (rest > 0 ? 1 : 0);
    case 'auction':
      return cycles * AUCTIONS_PER_CYCLE + Math.min(AUCTIONS_PER_CYCLE, Math.max(0, rest - 1));
    case 'bid':
      return cycles * BIDS_PER_CYCLE + Math.max(0, rest - 4);
  }
}

/** The type of global event `i`. */
export function nexmarkType(i: number): NexmarkEvent {
  const r = i % EVENTS_PER_CYCLE;
  return r === 0 ? 'person' : r <= AUCTIONS_PER_CYCLE ? 'auction' : 'bid';
}

/** 10^(6x / 2^32) in three factors, for the top 10, middle 11 and low 11 bits of a 32-bit x; 100 × the first. */
const PRICE_HIGH = Float64Array.from({ length: 2 ** 10 }, (_, a) => 100 * 10 ** ((6 * a) / 2 ** 10));
const PRICE_MIDDLE = Float64Array.from({ length: 2 ** 11 }, (_, b) => 10 ** ((6 * b) / 2 ** 21));
const PRICE_LOW = Float64Array.from({ length: 2 ** 11 }, (_, c) => 10 ** ((6 * c) / 2 ** 32));

/**
 * A price in cents, log-uniform from $1 to $1,000,000, as Nexmark's PriceGenerator.nextPrice makes it, from a
 * 32-bit draw x: Math.round(Math.exp(Math.LN10 * (2 + 6 * x / 2^32))). The product of the three table factors
 * is within 1e-15 of the exponential, relative, so it rounds the same unless it lies within 1e-12 of a half
 * cent; there the exponential decides. Checked equal for every 32-bit x; generator.test.ts checks a sample.
 */
export function price(x: number): number {
  const product = PRICE_HIGH[x >>> 22]! * PRICE_MIDDLE[(x >>> 11) & 2047]! * PRICE_LOW[x & 2047]!;
  const rounded = Math.round(product);
  if (Math.abs(Math.abs(rounded - product) - 0.5) > product * 1e-12) return rounded;
  return Math.round(Math.exp(Math.LN10 * (2 + 6 * (x / TWO_32))));
}

/** A person id for a new auction or bid at global event `i`: hot with probability `hot`, else recent. */
function personFor(i: number, hotDraw: number, recentDraw: number, hot: number, hotOffset: number): number {
  // People with global index < i: person p has index 50p, so the last one is floor(i / 50) for i % 50 > 0.
  const last = Math.floor(i / EVENTS_PER_CYCLE);
  const chosen =
    hotDraw < hot
      ? Math.min(last, Math.floor(last / HOT_BATCH) * HOT_BATCH + hotOffset)
      : last - Math.floor(recentDraw * Math.min(last + 1, ACTIVE_PEOPLE));
  return FIRST_PERSON_ID + chosen;
}

const FIRST = new StringDictionary(FIRST_NAMES);
const LAST = new StringDictionary(LAST_NAMES);
const FIRST_LOWER = new StringDictionary(FIRST_NAMES.map((s) => s.toLowerCase()));
const LAST_LOWER = new StringDictionary(LAST_NAMES.map((s) => s.toLowerCase()));
const DOMAINS = new StringDictionary(EMAIL_DOMAINS);
const CITY = new StringDictionary(US_CITIES.map(([city]) => city));
const STATE = new StringDictionary(US_CITIES.map(([, state]) => state));
const ADJECTIVE = new StringDictionary(ADJECTIVES);
const NOUN = new StringDictionary(NOUNS.map(([noun]) => noun));
const DESCRIPTION = new StringDictionary(AUCTION_DESCRIPTIONS);
/** Every channel of a bid: the named ones, then channel-0 to channel-9999. */
const CHANNEL = new StringDictionary([
  ...NAMED_CHANNELS,
  ...Array.from({ length: CHANNELS }, (_, k) => `channel-${k}`),
]);
const URL_PREFIX = new StringDictionary(['https://www.nexmark.example/item.htm?query=']);
/** A bid URL's end for each channel number. */
const URL_CHANNEL = new StringDictionary(Array.from({ length: CHANNELS }, (_, k) => `&channel_id=${k}`));

function pick(dictionary: StringDictionary, u: number): number {
  return Math.floor(u * dictionary.size);
}

function fillPersons(batch: Batch) {
  const n = batch.length;
  const ids = new Int64Column(n);
  const names = new StringColumnBuilder(n, 14);
  const emails = new StringColumnBuilder(n, 28);
  const cards = new StringColumnBuilder(n, 19);
  const cities = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const base = batch.bases[r]!;
    const first = pick(FIRST, unitField(base, 2));
    const last = pick(LAST, unitField(base, 3));
    ids.set(r, FIRST_PERSON_ID + batch.from + r);
    names.dict(FIRST, first).char(32).dict(LAST, last).end();
    emails
      .dict(FIRST_LOWER, first)
      .char(46)
      .dict(LAST_LOWER, last)
      .int(field(base, 4) % 100)
      .char(64)
      .dict(DOMAINS, pick(DOMAINS, unitField(base, 5)))
      .end();
    const a = field(base, 6);
    const b = field(base, 7);
    cards
      .int(4000 + (a % 1000), 4)
      .char(32)
      .int(Math.floor(a / 1000) % 10000, 4)
      .char(32)
      .int(b % 10000, 4)
      .char(32)
      .int(Math.floor(b / 10000) % 10000, 4)
      .end();
    cities[r] = pick(CITY, unitField(base, 8));
  }
  return [ids.data(), names.data(), emails.data(), cards.data(), CITY.column(cities), STATE.column(cities)];
}

function fillAuctions(batch: Batch, config: GeneratorConfig) {
  const n = batch.length;
  const ids = new Int64Column(n);
  const items = new StringColumnBuilder(n, 16);
  const descriptions = new Int32Array(n);
  const initialBids = new Int64Column(n);
  const reserves = new Int64Column(n);
  const expires = new Int64Column(n);
  const sellers = new Int64Column(n);
  const categories = new Int64Column(n);
  // An auction runs for about as long as it takes 100 more auctions to arrive at the nominal rate.
  const lifetimeMicros =
    ((IN_FLIGHT_AUCTIONS * EVENTS_PER_CYCLE) / AUCTIONS_PER_CYCLE / config.rate) * config.speed * 1e6;
  for (let r = 0; r < n; r++) {
    const base = batch.bases[r]!;
    const initial = price(field(base, 5));
    ids.set(r, FIRST_AUCTION_ID + batch.from + r);
    items
      .dict(ADJECTIVE, pick(ADJECTIVE, unitField(base, 2)))
      .char(32)
      .dict(NOUN, pick(NOUN, unitField(base, 3)))
      .end();
    descriptions[r] = pick(DESCRIPTION, unitField(base, 4));
    initialBids.set(r, initial);
    reserves.set(r, initial + price(field(base, 6)));
    expires.set(r, batch.eventMicros[r]! + Math.max(1, Math.round((0.5 + unitField(base, 7)) * lifetimeMicros)));
    sellers.set(r, personFor(batch.global[r]!, unitField(base, 8), unitField(base, 9), 0.75, 0));
    categories.set(r, FIRST_CATEGORY_ID + Math.floor(unitField(base, 10) * CATEGORIES));
  }
  return [
    ids.data(),
    items.data(),
    DESCRIPTION.column(descriptions),
    initialBids.data(),
    reserves.data(),
    expires.data(),
    sellers.data(),
    categories.data(),
  ];
}

/** The auction of a bid at global event `i`: half go to the hot auction, half to one of the last 100. */
function bidAuction(i: number, base: number): number {
  // Auctions with global index < i: this cycle's three and every earlier cycle's.
  const lastAuction = Math.floor(i / EVENTS_PER_CYCLE) * AUCTIONS_PER_CYCLE + AUCTIONS_PER_CYCLE - 1;
  return (
    FIRST_AUCTION_ID +
    (unitField(base, 2) < 0.5
      ? Math.floor(lastAuction / HOT_BATCH) * HOT_BATCH
      : lastAuction - Math.floor(unitField(base, 3) * Math.min(lastAuction + 1, IN_FLIGHT_AUCTIONS)))
  );
}

/** A bid's auction and URL, and its channel number into `channels`. */
function bidAuctions(batch: Batch, channels: Int32Array): [ColumnData, ColumnData] {
  const { length: n, global, bases } = batch;
  const auctions = new Int64Column(n);
  // 43 + 12 characters of text, an auction id of up to 8 digits and a channel of up to 4: rarely grown.
  const urls = new StringColumnBuilder(n, 80);
  for (let r = 0; r < n; r++) {
    const base = bases[r]!;
    const auction = bidAuction(global[r]!, base);
    const channelNumber = field(base, 8) % CHANNELS;
    auctions.set(r, auction);
    channels[r] = channelNumber;
    urls.dict(URL_PREFIX, 0).int(auction).dict(URL_CHANNEL, channelNumber).end();
  }
  return [auctions.data(), urls.data()];
}

function bidBidders({ length: n, global, bases }: Batch): ColumnData {
  const bidders = new Int64Column(n);
  for (let r = 0; r < n; r++) {
    bidders.set(r, personFor(global[r]!, unitField(bases[r]!, 4), unitField(bases[r]!, 5), 0.75, 1));
  }
  return bidders.data();
}

function bidPrices({ length: n, bases }: Batch): ColumnData {
  const prices = new Int64Column(n);
  for (let r = 0; r < n; r++) prices.set(r, price(field(bases[r]!, 6)));
  return prices.data();
}

/** A bid's channel: a named one, or the numbered one of `numbers`. */
function bidChannels({ length: n, bases }: Batch, numbers: Int32Array): ColumnData {
  for (let r = 0; r < n; r++) {
    const channel = unitField(bases[r]!, 7);
    numbers[r] = channel < 0.4 ? Math.floor(channel * 10) : NAMED_CHANNELS.length + numbers[r]!;
  }
  return CHANNEL.column(numbers);
}

/** Column by column, in functions small enough for the JIT to inline what each calls. */
function fillBids(batch: Batch) {
  const channels = new Int32Array(scratch.take(batch.length * 4), 0, batch.length);
  const [auctions, urls] = bidAuctions(batch, channels);
  return [auctions, bidBidders(batch), bidPrices(batch), bidChannels(batch, channels), urls];
}

const COLUMNS: Record<NexmarkEvent, ColumnSpec[]> = {
  person: [
    ['ts', 'TIMESTAMP'],
    ['id', 'BIGINT'],
    ['name', 'VARCHAR'],
    ['email', 'VARCHAR'],
    ['credit_card', 'VARCHAR'],
    ['city', 'VARCHAR'],
    ['state', 'VARCHAR'],
  ],
  auction: [
    ['ts', 'TIMESTAMP'],
    ['id', 'BIGINT'],
    ['item_name', 'VARCHAR'],
    ['description', 'VARCHAR'],
    ['initial_bid', 'BIGINT'],
    ['reserve', 'BIGINT'],
    ['expires', 'TIMESTAMP'],
    ['seller', 'BIGINT'],
    ['category', 'BIGINT'],
  ],
  bid: [
    ['ts', 'TIMESTAMP'],
    ['auction', 'BIGINT'],
    ['bidder', 'BIGINT'],
    ['price', 'BIGINT'],
    ['channel', 'VARCHAR'],
    ['url', 'VARCHAR'],
  ],
};

const ABOUT: Record<NexmarkEvent, string> = {
  person: 'People of the Nexmark auction benchmark (1 in 50 global events); ids count from 1000.',
  auction:
    'Auctions of the Nexmark benchmark (3 in 50 global events); ids count from 1000, sellers are mostly hot ' +
    'people, expires is about 100 auctions later, prices are in cents.',
  bid:
    'Bids of the Nexmark benchmark (46 in 50 global events): most bids go to a few recent hot auctions and ' +
    'come from a few hot bidders; prices are in cents.',
};

function nexmark(type: NexmarkEvent): Dataset {
  return {
    kind: `nexmark_${type}`,
    description:
      ABOUT[type] +
      ' The three nexmark_* streams interleave into one sequence; with the same seed and rate (total Nexmark ' +
      'events per second) they agree with each other. No dimension tables. ' +
      COMMON_DESCRIPTION,
    columns: COLUMNS[type],
    family: 48,
    extraKnobs: [],
    defaultKeys: 1,
    maxKeys: 1,
    create(config): DatasetStream {
      return {
        globalIndex: (offset) => nexmarkGlobalIndex(type, offset),
        countIn: (events) => nexmarkCount(type, events),
        fill: (batch) =>
          type === 'person' ? fillPersons(batch) : type === 'auction' ? fillAuctions(batch, config) : fillBids(batch),
        dimensionTables: () => [],
      };
    },
  };
}

export const nexmarkPerson = nexmark('person');
export const nexmarkAuction = nexmark('auction');
export const nexmarkBid = nexmark('bid');
