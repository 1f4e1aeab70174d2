/** The words a notebook export opens with: the lesson's, step by step, or the example's or scenario's own. */
import { scenarioMarkdown } from '../../workers/engine/notebook';
import type { Example } from '../lessons/examples';
import type { Lesson } from '../lessons/lesson';

/** A lesson's title and summary, then each step, its prediction and the answer folded away until opened. */
export function lessonMarkdown(lesson: Lesson): string[] {
  return [
    `# ${lesson.title}\n\n${lesson.summary}`,
    ...lesson.steps.map((step, i) => {
      const parts = [`**Step ${i + 1}.** ${step.text}`];
      if (step.predict)
        parts.push(
          `**Predict:** ${step.predict.question}`,
          `<details><summary>Answer</summary>\n\n${step.predict.answer}\n\n</details>`,
        );
      return parts.join('\n\n');
    }),
  ];
}

export function notebookMarkdown(lesson: Lesson | null, example: Example | null, document: unknown): string[] {
  if (lesson) return lessonMarkdown(lesson);
  if (example) return scenarioMarkdown({ ui: { title: example.title, about: example.about } });
  return scenarioMarkdown(document);
}
