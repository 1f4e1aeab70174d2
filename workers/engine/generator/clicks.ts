/** `clicks`: page views of a web site; keys are pages, with a `pages` and a `users` dimension table. */
import type { TableSpec } from '../scenario';
import { StringDictionary } from './arrow';
import { formatTimestampSeconds } from './clock';
import { COMMON_DESCRIPTION, DIMENSION_STREAM, type Dataset } from './dataset';
import { RandomStream, unitField, WeightedChoice } from './random';
import {
  ADJECTIVES,
  BLOG_TOPICS,
  COUNTRIES,
  COUNTRY_WEIGHTS,
  DEVICE_WEIGHTS,
  DEVICES,
  FIXED_PAGES,
  NOUNS,
  REFERRER_WEIGHTS,
  REFERRERS,
} from './words';
import { ZipfSampler } from './zipf';

/** Users in the `users` table; clicks pick one uniformly. */
export const CLICK_USERS = 1000;

const REFERRER_CHOICE = new WeightedChoice(REFERRER_WEIGHTS);
const DEVICE_CHOICE = new WeightedChoice(DEVICE_WEIGHTS);
const REFERRER_DICTIONARY = new StringDictionary(REFERRERS);
const DEVICE_DICTIONARY = new StringDictionary(DEVICES);
const COUNTRY_CHOICE = new WeightedChoice(COUNTRY_WEIGHTS);

/** Page `rank` (0 = the most visited when skewed): [path, category, title]. */
export function page(rank: number): [string, string, string] {
  const fixed = FIXED_PAGES[rank];
  if (fixed) return [...fixed];
  switch (rank % 4) {
    case 0: {
      const noun = NOUNS[Math.floor(rank / 4) % NOUNS.length]!;
      return [`/products/${rank}`, noun[1], `${ADJECTIVES[rank % ADJECTIVES.length]} ${noun[0]}`];
    }
    case 1:
      return [`/blog/${rank}`, 'content', `Notes on ${BLOG_TOPICS[rank % BLOG_TOPICS.length]}`];
    case 2:
      return [`/docs/${rank}`, 'support', `Guide ${rank}`];
    default:
      return [`/deals/${rank}`, 'promotion', `Deal of the day ${rank}`];
  }
}

export const clicks: Dataset = {
  kind: 'clicks',
  description:
    'Page views of a web site. keys = number of pages (default 100) and skew = Zipf exponent of page ' +
    'popularity (0 = uniform); user_id is uniform over 1000 users. Dimension tables: pages(page, category, ' +
    'title), users(user_id, country, signup). ' +
    COMMON_DESCRIPTION,
  columns: [
    ['ts', 'TIMESTAMP'],
    ['user_id', 'INTEGER'],
    ['page', 'VARCHAR'],
    ['referrer', 'VARCHAR'],
    ['device', 'VARCHAR'],
  ],
  family: 16,
  extraKnobs: ['keys', 'skew'],
  defaultKeys: 100,
  maxKeys: 100_000,
  create(config) {
    const pages = Array.from({ length: config.keys }, (_, rank) => page(rank));
    const pageDictionary = new StringDictionary(pages.map(([path]) => path));
    const zipf = new ZipfSampler(config.keys, config.skew);
    return {
      globalIndex: (offset) => offset,
      countIn: (events) => events,
      fill(batch) {
        const n = batch.length;
        const users = new Int32Array(n);
        const pageIndex = new Int32Array(n);
        const referrers = new Int32Array(n);
        const devices = new Int32Array(n);
        const bases = batch.bases;
        for (let r = 0; r < n; r++) {
          const base = bases[r]!;
          users[r] = 1 + Math.floor(unitField(base, 2) * CLICK_USERS);
          pageIndex[r] = zipf.rank(unitField(base, 3));
          referrers[r] = REFERRER_CHOICE.pick(unitField(base, 4));
          devices[r] = DEVICE_CHOICE.pick(unitField(base, 5));
        }
        return [
          { kind: 'int32', values: users },
          pageDictionary.column(pageIndex),
          REFERRER_DICTIONARY.column(referrers),
          DEVICE_DICTIONARY.column(devices),
        ];
      },
      dimensionTables(): TableSpec[] {
        const random = new RandomStream(config.seed, DIMENSION_STREAM);
        const threeYears = 3 * 365 * 86_400e6;
        return [
          {
            name: 'pages',
            columns: [
              ['page', 'VARCHAR'],
              ['category', 'VARCHAR'],
              ['title', 'VARCHAR'],
            ],
            rows: pages.map(([path, category, title]) => [path, category, title]),
          },
          {
            name: 'users',
            columns: [
              ['user_id', 'INTEGER'],
              ['country', 'VARCHAR'],
              ['signup', 'TIMESTAMP'],
            ],
            rows: Array.from({ length: CLICK_USERS }, (_, i) => {
              const base = random.base(i);
              const country = COUNTRIES[COUNTRY_CHOICE.pick(unitField(base, 0))]!;
              const ago = 86_400e6 + Math.floor((unitField(base, 1) * threeYears) / 1e6) * 1e6;
              return [i + 1, country, formatTimestampSeconds(config.startMicros - ago)];
            }),
          },
        ];
      },
    };
  },
};
