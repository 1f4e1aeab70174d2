import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../workers/engine/validate';
import { EXAMPLES, exampleById } from './examples';

describe('examples', () => {
  it('holds every document of examples/, each valid, with a unique id and something to say', () => {
    const documents = (folder: string) =>
      readdirSync(new URL(`../../examples/${folder}`, import.meta.url)).filter((file) => file.endsWith('.json'));
    expect(EXAMPLES).toHaveLength(documents('').length + documents('nexmark').length);
    expect(new Set(EXAMPLES.map((example) => example.id)).size).toBe(EXAMPLES.length);
    for (const example of EXAMPLES) {
      expect(() => parseScenario(example.scenario), example.id).not.toThrow();
      expect(example.about, example.id).toBeTruthy();
      expect(example.id).toMatch(/^[a-z0-9-]+$/);
    }
    expect(exampleById('nexmark-q5')?.title).toBe('Nexmark Q5: hot items');
  });
});
