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
    expect(script).toContain("CREATE TABLE query_results WITH (\n  'connector' = 'print'\n) AS");
    expect(script).toContain('CREATE TEMPORARY VIEW pages AS SELECT * FROM (VALUES');
  });

  it('keeps a query already in Flink syntax', () => {
    const script = clusterScript(scenario(FLINK_QUERY), 'flink', catalog.durationOf);
    expect(script).toContain('TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL');
  });

  it('rewrites a window() over a windowed subquery at every level, each input a view, window_time a group key', () => {
    const query = [
      'SELECT window.start AS window_start, page, sum(n) AS clicks',
      "FROM (SELECT window_time(window) AS wt, page, count(*) AS n FROM clicks GROUP BY window(ts, '10 seconds'), page)",
      "GROUP BY window(wt, '1 minute'), page",
    ].join(' ');
    const script = clusterScript(scenario(query), 'flink', catalog.durationOf);
    expect(script).not.toContain('window(');
    expect(script).toContain(
      'CREATE TEMPORARY VIEW query_input_1 AS\n' +
        "SELECT window_time AS wt, page, count(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND)) " +
        'GROUP BY window_start, window_end, window_time, page;\n\n' +
        "CREATE TABLE query_results WITH (\n  'connector' = 'print'\n) AS\n" +
        'SELECT window_start AS window_start, page, sum(n) AS clicks ' +
        "FROM TABLE(TUMBLE(TABLE query_input_1, DESCRIPTOR(wt), INTERVAL '60' SECOND)) GROUP BY window_start, window_end, page;",
    );
  });

  it("translates DuckDB's strftime to Flink's DATE_FORMAT and Spark's date_format, quoting the pattern's text", () => {
    const query =
      "SELECT strftime(ts, '%Y-%m-%dT%-H:%M') AS at, count(*) AS n FROM clicks GROUP BY strftime(ts, '%Y-%m-%dT%-H:%M')";
    const flink = clusterScript(scenario(query, 'update'), 'flink', catalog.durationOf);
    expect(flink).toContain(
      "SELECT DATE_FORMAT(ts, 'yyyy-MM-dd''T''H:mm') AS at, count(*) AS n FROM clicks GROUP BY DATE_FORMAT(ts, 'yyyy-MM-dd''T''H:mm');",
    );
    const spark = clusterScript(scenario(query, 'update'), 'pyspark', catalog.durationOf);
    expect(spark).toContain(`SELECT date_format(ts, "yyyy-MM-dd'T'H:mm") AS at`);
    const plain = clusterScript(
      scenario("SELECT strftime(ts, '%d/%m %I %p') AS d FROM clicks"),
      'pyspark',
      catalog.durationOf,
    );
    expect(plain).toContain("SELECT date_format(ts, 'dd/MM hh a') AS d FROM clicks");
  });

  it('leaves a strftime format with no Java pattern (microseconds) as it is, with a note', () => {
    const script = clusterScript(
      scenario("SELECT strftime(ts, '%S.%f') AS s FROM clicks"),
      'flink',
      catalog.durationOf,
    );
    expect(script).toContain("-- Rewrite strftime(...) with DATE_FORMAT(timestamp, 'Java date pattern') by hand.");
    expect(script).toContain("SELECT strftime(ts, '%S.%f') AS s FROM clicks;");
  });

  it("casts avg's argument to DOUBLE for Flink, whose AVG of an integer is an integer (DuckDB's is a DOUBLE)", () => {
    const query = 'SELECT page, avg(user_id) AS a, avg(DISTINCT user_id + 1) AS d FROM clicks GROUP BY page';
    expect(clusterScript(scenario(query, 'update'), 'flink', catalog.durationOf)).toContain(
      'SELECT page, avg(CAST(user_id AS DOUBLE)) AS a, avg(DISTINCT CAST(user_id + 1 AS DOUBLE)) AS d FROM clicks',
    );
    expect(clusterScript(scenario(query, 'update'), 'pyspark', catalog.durationOf)).toContain(query);
  });

  it('makes the PySpark job of a cumulating window raise, saying why, with the query as a comment', () => {
    const query =
      "SELECT window_start, count(*) AS n FROM TABLE(CUMULATE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '5' SECONDS, INTERVAL '30' SECONDS)) GROUP BY window_start, window_end";
    const script = clusterScript(scenario(query), 'pyspark', catalog.durationOf);
    expect(script).not.toContain('spark.sql(');
    expect(script).toContain(`#   ${query}\nraise NotImplementedError("query_0: Spark has no cumulating window`);
  });
});
