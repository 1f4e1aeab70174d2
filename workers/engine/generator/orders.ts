/** `orders`: shop orders; keys are products, with a `products` dimension table. */
import { Int64Column } from './arrow';
import { COMMON_DESCRIPTION, DIMENSION_STREAM, type Dataset } from './dataset';
import { RandomStream, unitField, WeightedChoice } from './random';
import { ADJECTIVES, NOUNS } from './words';
import { ZipfSampler } from './zipf';

export const ORDER_USERS = 1000;
/** Quantities 1..5 and how often each is ordered. */
const QUANTITY_CHOICE = new WeightedChoice([60, 25, 10, 3, 2]);

export interface Product {
  id: number;
  name: string;
  category: string;
  /** Price in cents. */
  cents: number;
}

/** Product `rank` (0 = the most ordered when skewed); its price depends on the seed. */
export function product(rank: number, random: RandomStream): Product {
  const adjective = ADJECTIVES[rank % ADJECTIVES.length]!;
  const cycle = Math.floor(rank / ADJECTIVES.length);
  const [noun, category, typical] = NOUNS[cycle % NOUNS.length]!;
  const series = Math.floor(cycle / NOUNS.length);
  const name = series === 0 ? `${adjective} ${noun}` : `${adjective} ${noun} ${series + 1}`;
  // x.99 prices between half and one and a half times the typical price.
  const dollars = Math.max(1, Math.round(typical * (0.5 + unitField(random.base(rank), 0))));
  return { id: rank + 1, name, category, cents: dollars * 100 - 1 };
}

export const orders: Dataset = {
  kind: 'orders',
  description:
    'Orders in a web shop. keys = number of products (default 100) and skew = Zipf exponent of product ' +
    'popularity; user_id is uniform over 1000 users; order_id counts from 1; amount = quantity × price, in ' +
    'dollars and cents. Dimension table: products(product_id, name, category, price). ' +
    COMMON_DESCRIPTION,
  columns: [
    ['ts', 'TIMESTAMP'],
    ['order_id', 'BIGINT'],
    ['user_id', 'INTEGER'],
    ['product_id', 'INTEGER'],
    ['quantity', 'INTEGER'],
    ['amount', 'DOUBLE'],
  ],
  family: 32,
  extraKnobs: ['keys', 'skew'],
  defaultKeys: 100,
  maxKeys: 100_000,
  create(config) {
    const random = new RandomStream(config.seed, DIMENSION_STREAM);
    const products = Array.from({ length: config.keys }, (_, rank) => product(rank, random));
    const cents = Int32Array.from(products, (p) => p.cents);
    const zipf = new ZipfSampler(config.keys, config.skew);
    return {
      globalIndex: (offset) => offset,
      countIn: (events) => events,
      fill(batch) {
        const n = batch.length;
        const orderIds = new Int64Column(n);
        const users = new Int32Array(n);
        const productIds = new Int32Array(n);
        const quantities = new Int32Array(n);
        const amounts = new Float64Array(n);
        for (let r = 0; r < n; r++) {
          const base = batch.bases[r]!;
          const rank = zipf.rank(unitField(base, 3));
          const quantity = 1 + QUANTITY_CHOICE.pick(unitField(base, 4));
          orderIds.set(r, batch.from + r + 1);
          users[r] = 1 + Math.floor(unitField(base, 2) * ORDER_USERS);
          productIds[r] = rank + 1;
          quantities[r] = quantity;
          amounts[r] = (quantity * cents[rank]!) / 100;
        }
        return [
          orderIds.data(),
          { kind: 'int32', values: users },
          { kind: 'int32', values: productIds },
          { kind: 'int32', values: quantities },
          { kind: 'float64', values: amounts },
        ];
      },
      dimensionTables() {
        return [
          {
            name: 'products',
            columns: [
              ['product_id', 'INTEGER'],
              ['name', 'VARCHAR'],
              ['category', 'VARCHAR'],
              ['price', 'DOUBLE'],
            ],
            rows: products.map((p) => [p.id, p.name, p.category, p.cents / 100]),
          },
        ];
      },
    };
  },
};
