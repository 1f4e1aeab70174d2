/**
 * The guided lessons, in workshop order: the lesson files of lessons/, each read as an instructor's lesson file
 * is. Every query here runs on today's engine, every prediction that can be checked is checked against the
 * engine's real output (`lessons.test.ts`), and every lesson's share link stays under 2,000 characters.
 */
import unboundedTables from '../../lessons/01-unbounded-tables.json';
import tumblingWindows from '../../lessons/02-tumbling-windows.json';
import slidingWindows from '../../lessons/03-sliding-windows.json';
import cumulatingWindows from '../../lessons/04-cumulating-windows.json';
import eventTime from '../../lessons/05-event-time.json';
import watermarks from '../../lessons/06-watermarks.json';
import outputModes from '../../lessons/07-output-modes.json';
import changelogs from '../../lessons/08-changelogs.json';
import stateEviction from '../../lessons/09-state-eviction.json';
import idleSource from '../../lessons/10-idle-source.json';
import chainedPipeline from '../../lessons/11-chained-pipeline.json';
import sessionWindows from '../../lessons/12-session-windows.json';
import enrichment from '../../lessons/13-enrichment.json';
import atmFraud from '../../lessons/14-atm-fraud.json';
import sensorAnomalies from '../../lessons/15-sensor-anomalies.json';
import etlSink from '../../lessons/16-etl-sink.json';
import { parseLesson, type Lesson } from './lesson';

export const LESSONS: readonly Lesson[] = [
  unboundedTables,
  tumblingWindows,
  slidingWindows,
  cumulatingWindows,
  eventTime,
  watermarks,
  outputModes,
  changelogs,
  stateEviction,
  idleSource,
  chainedPipeline,
  sessionWindows,
  enrichment,
  atmFraud,
  sensorAnomalies,
  etlSink,
].map((file, i) => parseLesson(file, `lessons[${i}]`));
