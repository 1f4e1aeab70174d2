import { describe, expect, it } from 'vitest';
import { LESSONS } from '../lessons';
import { exampleById } from '../lessons/examples';
import { lessonMarkdown, notebookMarkdown } from './notebook';

describe("a notebook's opening words", () => {
  it.each(LESSONS.map((lesson) => [lesson.id, lesson] as const))(
    'lesson %s: its title and summary, then a cell per step with its prediction, the answer folded away',
    (_, lesson) => {
      const cells = lessonMarkdown(lesson);
      expect(cells[0]).toBe(`# ${lesson.title}\n\n${lesson.summary}`);
      expect(cells).toHaveLength(lesson.steps.length + 1);
      lesson.steps.forEach((step, i) => {
        expect(cells[i + 1]).toContain(`**Step ${i + 1}.** ${step.text}`);
        if (step.predict)
          expect(cells[i + 1]).toContain(
            `**Predict:** ${step.predict.question}\n\n<details><summary>Answer</summary>\n\n${step.predict.answer}`,
          );
      });
    },
  );

  it("an example's title and what it shows; without either, the scenario's own ui", () => {
    const q5 = exampleById('nexmark-q5')!;
    expect(notebookMarkdown(null, q5, {})).toEqual([`# ${q5.title}\n\n${q5.about}`]);
    expect(notebookMarkdown(null, null, { ui: { title: 'Mine' } })).toEqual(['# Mine']);
  });
});
