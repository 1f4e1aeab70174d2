import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LESSONS } from '.';
import { lessonFile, LessonError, parseLesson } from './lesson';

const DIRECTORY = new URL('../../lessons/', import.meta.url);
const files = readdirSync(DIRECTORY).filter((name) => name.endsWith('.json'));
const read = (name: string): unknown => JSON.parse(readFileSync(new URL(name, DIRECTORY), 'utf8'));

const minimal = () => ({
  version: 1,
  id: 'my-lesson',
  title: 'Mine',
  summary: 'One step.',
  scenario: { version: 1, sources: [], query: 'SELECT 1' },
  steps: [{ text: 'Press *Step*.' }],
});

describe('lesson files', () => {
  it('are the built-in lessons, in workshop order, each read back as its file holds it', () => {
    expect(files.map((name) => name.replace(/^\d+-|\.json$/g, ''))).toEqual(LESSONS.map((lesson) => lesson.id));
    for (const name of files) expect(lessonFile(parseLesson(read(name)))).toEqual(read(name));
  });

  it('that cannot be read say where and what is wrong', () => {
    const broken = (edit: (file: ReturnType<typeof minimal>) => unknown) => {
      try {
        parseLesson(edit(minimal()));
      } catch (error) {
        expect(error).toBeInstanceOf(LessonError);
        return (error as Error).message;
      }
      return 'read';
    };
    expect(broken(() => [1])).toBe('lesson: a lesson file holds one JSON object');
    expect(broken((file) => ({ ...file, version: 2 }))).toBe(
      'lesson.version: must be 1 (the only lesson format so far)',
    );
    expect(broken((file) => ({ ...file, id: 'Has Spaces' }))).toMatch(/^lesson\.id: must be lowercase letters/);
    expect(broken((file) => ({ ...file, title: '' }))).toBe('lesson.title: must be some text');
    expect(broken((file) => ({ ...file, steps: [] }))).toBe('lesson.steps: must list the steps');
    expect(broken((file) => ({ ...file, steps: [{ text: 'a' }, { text: 3 }] }))).toBe(
      'lesson.steps[1].text: must be some text',
    );
    expect(broken((file) => ({ ...file, steps: [{ text: 'a', predict: { question: 'q?' } }] }))).toBe(
      'lesson.steps[0].predict.answer: must be some text',
    );
    expect(broken((file) => ({ ...file, steps: [{ text: 'a', change: { sources: [] } }] }))).toBe(
      'lesson.steps[0].change: may change only query, outputMode, trigger, watermark, watermarkPolicy, not sources',
    );
    const checked = (check: unknown) => (file: ReturnType<typeof minimal>) => ({
      ...file,
      steps: [{ text: 'a', predict: { question: 'q?', answer: 'a.', check } }],
    });
    expect(broken(checked({ steps: 0, lateRows: 1 }))).toBe(
      'lesson.steps[0].predict.check.steps: must be a whole number of steps, 1 to 500',
    );
    expect(broken(checked({ steps: 3 }))).toBe(
      'lesson.steps[0].predict.check: must say what the engine should do: "emits" rows, "lateRows", or both',
    );
    expect(broken(checked({ steps: 3, emits: [{ ts: 1 }] }))).toMatch(
      /^lesson\.steps\[0\]\.predict\.check\.emits: must list rows/,
    );
    expect(broken(checked({ steps: 3, lateRows: -1 }))).toBe(
      'lesson.steps[0].predict.check.lateRows: must be a whole number, 0 or more',
    );
    expect(broken(checked({ steps: 3, emits: [['x', 1, null]], lateRows: 0 }))).toBe('read');
    expect(broken((file) => file)).toBe('read');
  });
});
