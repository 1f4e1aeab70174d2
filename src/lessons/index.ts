/**
 * Guided lessons for workshops.
 *
 *   LESSONS          the lessons, in workshop order (ids are stable and URL-safe)
 *   lessonById(id)   one lesson, or undefined
 *   applyChange(scenario, change)  the scenario with a step's suggested change applied
 *
 * A lesson is `{ id, title, summary, scenario, steps }`: `scenario` is a complete scenario document (load it
 * as it is, or share it with `encodeLink`); each step is `{ text, predict?, change? }`, plain text, an
 * optional prediction question with its answer (show the answer after the learner has guessed), and an
 * optional change the step suggests (offer a button that applies it to the current scenario, then reloads).
 * Lessons whose scenario has `steps` are scripted: one step of the script per click.
 */
import { LESSONS } from './catalog';
import type { Lesson } from './lesson';

export { LESSONS } from './catalog';
export { applyChange, type Lesson, type LessonChange, type LessonStep } from './lesson';

export function lessonById(id: string): Lesson | undefined {
  return LESSONS.find((lesson) => lesson.id === id);
}
