/**
 * A scenario with its data files as one zip archive, as the command line reads them: `scenario.json` at the
 * top, and each data file at the path its source's glob takes it from. Unzipped, the folder runs with
 * `npm run scenario -- scenario.json`.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import type { DataFile } from '../../workers/protocol';

export const SCENARIO_ENTRY = 'scenario.json';

/** What the page will unpack of an archive: its data files are held in memory. */
const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;

export class ArchiveError extends Error {}

export function scenarioArchive(scenario: unknown, files: DataFile[]): Uint8Array {
  const entries: Record<string, Uint8Array> = { [SCENARIO_ENTRY]: strToU8(JSON.stringify(scenario, null, 2) + '\n') };
  for (const file of files) entries[file.name] = file.bytes;
  return zipSync(entries);
}

/** A bundle's files (bundle.ts: text by path), each under `folder` in one zip, as the command line writes them. */
export function bundleArchive(folder: string, files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([path, text]) => [`${folder}/${path}`, strToU8(text)])));
}

/** An archive's scenario document (not yet validated: the engine does that) and its data files. */
export function readScenarioArchive(bytes: Uint8Array): { scenario: unknown; files: DataFile[] } {
  let entries: Record<string, Uint8Array>;
  let unpacked = 0;
  try {
    entries = unzipSync(bytes, {
      filter: (entry) => {
        unpacked += entry.originalSize;
        if (unpacked > MAX_UNPACKED_BYTES)
          throw new ArchiveError('its files unpack to more than the 512 MB the page holds');
        return !entry.name.endsWith('/');
      },
    });
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw new ArchiveError('it is not a zip archive');
  }
  const document = entries[SCENARIO_ENTRY];
  if (!document) throw new ArchiveError(`it holds no ${SCENARIO_ENTRY} at its top`);
  let scenario: unknown;
  try {
    scenario = JSON.parse(strFromU8(document));
  } catch {
    throw new ArchiveError(`its ${SCENARIO_ENTRY} is not JSON`);
  }
  const files = Object.entries(entries)
    .filter(([name]) => name !== SCENARIO_ENTRY)
    .map(([name, data]) => ({ name, bytes: data }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { scenario, files };
}
