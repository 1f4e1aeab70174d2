/** `sensors`: temperature and humidity readings with occasional spikes; keys are devices. */
import { COMMON_DESCRIPTION, DIMENSION_STREAM, round, type Dataset } from './dataset';
import { RandomStream, unitField } from './random';
import { SENSOR_KINDS, SITES } from './words';
import { ZipfSampler } from './zipf';

export interface Device {
  id: number;
  site: string;
  kind: string;
  /** The device's usual temperature (°C) and humidity (%), its daily swing and the phase of its day (radians). */
  temperature: number;
  swing: number;
  humidity: number;
  phase: number;
}

export function device(rank: number, random: RandomStream): Device {
  const base = random.base(rank);
  const [kind, temperature, swing, humidity] = SENSOR_KINDS[Math.floor(unitField(base, 0) * SENSOR_KINDS.length)]!;
  return {
    id: rank + 1,
    site: SITES[Math.floor(unitField(base, 1) * SITES.length)]!,
    kind,
    temperature: temperature + (unitField(base, 2) - 0.5) * 4,
    swing,
    humidity: humidity + (unitField(base, 3) - 0.5) * 10,
    phase: unitField(base, 4) * 2 * Math.PI,
  };
}

/** Normal readings stay within swing + 0.5 °C of the device's usual temperature; spikes move 15 to 35 °C away. */
export const SPIKE_MIN = 15;
export const SPIKE_MAX = 35;
const DAY_MICROS = 86_400e6;

export const sensors: Dataset = {
  kind: 'sensors',
  description:
    'Readings of temperature (°C) and humidity (%) from devices. keys = number of devices (default 50), ' +
    'skew = Zipf exponent of how often each device reports. Readings follow a daily cycle in event time plus ' +
    'noise; anomalyFraction (default 0.01) of readings are spikes 15 to 35 °C above or below normal. ' +
    'Dimension table: devices(device_id, site, kind). ' +
    COMMON_DESCRIPTION,
  columns: [
    ['ts', 'TIMESTAMP'],
    ['device_id', 'INTEGER'],
    ['temperature', 'DOUBLE'],
    ['humidity', 'DOUBLE'],
  ],
  family: 64,
  extraKnobs: ['keys', 'skew', 'anomalyFraction'],
  defaultKeys: 50,
  maxKeys: 100_000,
  create(config) {
    const random = new RandomStream(config.seed, DIMENSION_STREAM);
    const devices = Array.from({ length: config.keys }, (_, rank) => device(rank, random));
    const zipf = new ZipfSampler(config.keys, config.skew);
    const anomalyFraction = config.anomalyFraction;
    return {
      globalIndex: (offset) => offset,
      countIn: (events) => events,
      fill(batch) {
        const n = batch.length;
        const ids = new Int32Array(n);
        const temperatures = new Float64Array(n);
        const humidities = new Float64Array(n);
        for (let r = 0; r < n; r++) {
          const base = batch.bases[r]!;
          const d = devices[zipf.rank(unitField(base, 2))]!;
          const angle = ((batch.nominalMicros[r]! % DAY_MICROS) / DAY_MICROS) * 2 * Math.PI + d.phase;
          let temperature = d.temperature + d.swing * Math.sin(angle) + (unitField(base, 3) - 0.5);
          if (unitField(base, 4) < anomalyFraction) {
            const spike = SPIKE_MIN + unitField(base, 5) * (SPIKE_MAX - SPIKE_MIN);
            temperature += unitField(base, 6) < 0.5 ? -spike : spike;
          }
          const humidity = d.humidity - 3 * Math.sin(angle) + (unitField(base, 7) - 0.5) * 4;
          ids[r] = d.id;
          temperatures[r] = round(temperature, 2);
          humidities[r] = round(Math.min(100, Math.max(0, humidity)), 1);
        }
        return [
          { kind: 'int32', values: ids },
          { kind: 'float64', values: temperatures },
          { kind: 'float64', values: humidities },
        ];
      },
      dimensionTables() {
        return [
          {
            name: 'devices',
            columns: [
              ['device_id', 'INTEGER'],
              ['site', 'VARCHAR'],
              ['kind', 'VARCHAR'],
            ],
            rows: devices.map((d) => [d.id, d.site, d.kind]),
          },
        ];
      },
    };
  },
};
