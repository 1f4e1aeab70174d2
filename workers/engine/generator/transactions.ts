/** `transactions`: ATM withdrawals by cards, with bursts of fraud; keys are cards, with an `atms` table. */
import { Int64Column } from './arrow';
import { COMMON_DESCRIPTION, DIMENSION_STREAM, round, type Dataset } from './dataset';
import { RandomStream, unitField } from './random';
import { ATM_CITIES } from './words';
import { ZipfSampler } from './zipf';

export const ATMS_PER_CITY = 5;
const CITIES = ATM_CITIES.length;
/** Random streams of the seed for the cards' home cities and for fraud episodes. */
const CARD_STREAM = 2;
const FRAUD_STREAM = 3;
/** A fraud episode is 3 to 5 withdrawals; its events are spread over about `EPISODE_SECONDS` of event time. */
const MEAN_EPISODE = 4;
const EPISODE_SECONDS = 30;

/** The city (index into ATM_CITIES) a card normally withdraws in. */
export function homeCity(seed: number, card: number): number {
  return new RandomStream(seed, CARD_STREAM).base(card) % CITIES;
}

/** The city of an ATM id. */
export function atmCity(atm: number): number {
  return Math.floor((atm - 1) / ATMS_PER_CITY);
}

/**
 * Fraud is planned in blocks of `size` consecutive events: a block holds an episode with probability
 * `probability`; an episode is one card withdrawing 3 to 5 times, each at an ATM in a different city, none
 * in the card's home city, at evenly spaced events of the block. The block is sized to span about 30 s of
 * event time at full rate (at least 5 events) and small enough that episodes make up `fraudFraction` of all
 * events on average (fractions above about 0.8 saturate: every block then holds an episode).
 */
export function fraudPlan(rate: number, speed: number, fraudFraction: number): { size: number; probability: number } {
  if (fraudFraction === 0) return { size: 0, probability: 0 };
  const size = Math.max(5, Math.floor(Math.min((rate * EPISODE_SECONDS) / speed, MEAN_EPISODE / fraudFraction, 4096)));
  return { size, probability: Math.min(1, (fraudFraction * size) / MEAN_EPISODE) };
}

export const transactions: Dataset = {
  kind: 'transactions',
  description:
    'ATM withdrawals. keys = number of cards (default 1000), skew = Zipf exponent of card activity. A card ' +
    'normally withdraws at the ATMs of its home city; fraudFraction (default 0.01) of withdrawals belong to ' +
    'fraud episodes: one card making 3 to 5 large withdrawals at ATMs in distant cities within about 30 ' +
    'seconds of event time. Dimension table: atms(atm_id, city, lat, lon), 5 ATMs in each of 20 cities. ' +
    COMMON_DESCRIPTION,
  columns: [
    ['ts', 'TIMESTAMP'],
    ['tx_id', 'BIGINT'],
    ['card_id', 'INTEGER'],
    ['atm_id', 'INTEGER'],
    ['amount', 'DOUBLE'],
  ],
  family: 80,
  extraKnobs: ['keys', 'skew', 'fraudFraction'],
  defaultKeys: 1000,
  maxKeys: 1_000_000,
  create(config) {
    const zipf = new ZipfSampler(config.keys, config.skew);
    const cards = new RandomStream(config.seed, CARD_STREAM);
    const fraud = new RandomStream(config.seed, FRAUD_STREAM);
    const plan = fraudPlan(config.rate, config.speed, config.fraudFraction);
    return {
      globalIndex: (offset) => offset,
      countIn: (events) => events,
      fill(batch) {
        const n = batch.length;
        const txIds = new Int64Column(n);
        const cardIds = new Int32Array(n);
        const atmIds = new Int32Array(n);
        const amounts = new Float64Array(n);
        // The episode of the current block, if any: its card, first event, spacing, length and first city.
        let block = -1;
        let episode = false;
        let card = 0;
        let first = 0;
        let spacing = 1;
        let length = 0;
        let cityStart = 0;
        for (let r = 0; r < n; r++) {
          const offset = batch.from + r;
          const base = batch.bases[r]!;
          let fraudIndex = -1;
          if (plan.size > 0) {
            const b = Math.floor(offset / plan.size);
            if (b !== block) {
              block = b;
              const blockBase = fraud.base(b);
              episode = unitField(blockBase, 0) < plan.probability;
              length = 3 + Math.floor(unitField(blockBase, 1) * 3);
              spacing = Math.floor(plan.size / length);
              first = Math.floor(unitField(blockBase, 2) * (plan.size - (length - 1) * spacing));
              card = 1 + Math.floor(unitField(blockBase, 3) * config.keys);
              cityStart = Math.floor(unitField(blockBase, 4) * (CITIES - 1));
            }
            const q = offset - block * plan.size - first;
            if (episode && q >= 0 && q % spacing === 0 && q / spacing < length) fraudIndex = q / spacing;
          }
          let cardId: number;
          let city: number;
          let amount: number;
          if (fraudIndex >= 0) {
            cardId = card;
            const home = cards.base(cardId) % CITIES;
            city = (home + 1 + ((cityStart + fraudIndex) % (CITIES - 1))) % CITIES;
            amount = 400 + 20 * Math.floor(unitField(base, 4) * 31);
          } else {
            cardId = 1 + zipf.rank(unitField(base, 2));
            city = cards.base(cardId) % CITIES;
            const u = unitField(base, 4);
            amount = 20 * (1 + Math.floor(u * u * 20));
          }
          txIds.set(r, offset + 1);
          cardIds[r] = cardId;
          atmIds[r] = city * ATMS_PER_CITY + Math.floor(unitField(base, 3) * ATMS_PER_CITY) + 1;
          amounts[r] = amount;
        }
        return [
          txIds.data(),
          { kind: 'int32', values: cardIds },
          { kind: 'int32', values: atmIds },
          { kind: 'float64', values: amounts },
        ];
      },
      dimensionTables() {
        const random = new RandomStream(config.seed, DIMENSION_STREAM);
        return [
          {
            name: 'atms',
            columns: [
              ['atm_id', 'INTEGER'],
              ['city', 'VARCHAR'],
              ['lat', 'DOUBLE'],
              ['lon', 'DOUBLE'],
            ],
            rows: Array.from({ length: CITIES * ATMS_PER_CITY }, (_, i) => {
              const [city, lat, lon] = ATM_CITIES[Math.floor(i / ATMS_PER_CITY)]!;
              const base = random.base(i);
              return [
                i + 1,
                city,
                round(lat + (unitField(base, 0) - 0.5) * 0.1, 5),
                round(lon + (unitField(base, 1) - 0.5) * 0.1, 5),
              ];
            }),
          },
        ];
      },
    };
  },
};
