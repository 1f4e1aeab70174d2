import { beforeAll, describe, expect, it } from 'vitest';
import { clusterScript } from './cluster';
import { openNodeDatabase } from './node';
import { databaseCatalog } from './streaming/catalog';
import type { Catalog } from './streaming/plan';
import { parseScenario } from './validate';

let catalog: Catalog;
beforeAll(async () => {
  catalog = databaseCatalog(await openNodeDatabase());
});

const scenario = (query: string, outputMode = 'append') =>
  parseScenario({
    version: 1,
    sources: [
      {
        name: 'clicks',
        columns: [
          ['ts', 'TIMESTAMP'],
          ['user_id', 'INTEGER'],
          ['page', 'VARCHAR'],
        ],
        eventTime: 'ts',
        watermark: '10 seconds',
        generator: { kind: 'clicks', seed: 1, rate: 500 },
      },
    ],
    tables: [
      {
        name: 'pages',
        columns: [
          ['page', 'VARCHAR'],
          ['category', 'VARCHAR'],
        ],
        rows: [['home', 'landing']],
      },
    ],
    query,
    outputMode,
    trigger: { kind: 'processingTime', interval: '2 seconds' },
  });

const FLINK_QUERY = `SELECT window_start, window_end, page, count(*) AS clicks
  FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, page`;
const SPARK_QUERY =
  "SELECT window.start, window.end, page, count(*) AS clicks FROM clicks GROUP BY window(ts, '1 minute', '30 seconds'), page";

describe('take it to a cluster', () => {
  it('writes a PySpark Structured Streaming job', () => {
    const script = clusterScript(scenario(FLINK_QUERY), 'pyspark', catalog.durationOf);
    expect(script).toContain('spark.readStream.format("rate").option("rowsPerSecond", 500)');
    expect(script).toContain('.withWatermark("ts", "10 seconds")');
    expect(script).toContain("GROUP BY window(ts, '60 seconds'), page");
    expect(script).toContain('SELECT window.start AS window_start, window.end AS window_end, page, count(*) AS clicks');
    expect(script).toContain('.outputMode("append")');
    expect(script).toContain('.trigger(processingTime="2 seconds")');
    expect(script).toContain('pages = spark.createDataFrame([');
    expect(script).toContain('spark.streams.awaitAnyTermination()');
  });

  it('keeps a query already in Spark syntax, and carries the output mode', () => {
    const script = clusterScript(scenario(SPARK_QUERY, 'update'), 'pyspark', catalog.durationOf);
    expect(script).toContain(SPARK_QUERY);
    expect(script).toContain('.outputMode("update")');
  });

  it('writes a Flink SQL script with datagen, WATERMARK FOR, the window TVF and a print sink', () => {
    const script = clusterScript(scenario(SPARK_QUERY), 'flink', catalog.durationOf);
    expect(script).toContain("'connector' = 'datagen'");
    expect(script).toContain("'rows-per-second' = '500'");
    expect(script).toContain("WATERMARK FOR ts AS ts - INTERVAL '10' SECOND");
    expect(script).toContain(
      "FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '30' SECOND, INTERVAL '60' SECOND))",
    );
    expect(script).toContain('SELECT window_start, window_end, page, count(*) AS clicks');
    expect(script).toContain('GROUP BY window_start, window_end, page');
    expect(script).toContain("CREATE TABLE query_results WITH ('connector' = 'print') AS");
    expect(script).toContain('CREATE TEMPORARY VIEW pages AS SELECT * FROM (VALUES');
  });

  it('keeps a query already in Flink syntax', () => {
    const script = clusterScript(scenario(FLINK_QUERY), 'flink', catalog.durationOf);
    expect(script).toContain('TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL');
  });
});
