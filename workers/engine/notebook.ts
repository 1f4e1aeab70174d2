/**
 * A lesson or a scenario as a notebook, for a workshop that moves on to a Databricks or Jupyter workspace: its
 * text as markdown cells, then the PySpark job (`clusterScript`) as code cells, one per paragraph of the script,
 * ending in its console sinks.
 */
export type NotebookFormat = 'databricks' | 'jupyter';

export interface NotebookCell {
  kind: 'markdown' | 'code';
  text: string;
}

/** The markdown cells, then one code cell per blank-line-separated paragraph of the PySpark script. */
export function notebookCells(markdown: readonly string[], pySparkScript: string): NotebookCell[] {
  return [
    ...markdown.filter((text) => text.trim().length > 0).map((text): NotebookCell => ({ kind: 'markdown', text })),
    ...paragraphs(pySparkScript).map((text): NotebookCell => ({ kind: 'code', text })),
  ];
}

/** The script's blank-line-separated paragraphs; a blank line inside a triple-quoted string (SQL) does not split. */
function paragraphs(script: string): string[] {
  const found: string[] = [];
  let open = '';
  for (const part of script.trim().split(/\n\s*\n/)) {
    open = open ? `${open}\n\n${part}` : part;
    if ((open.match(/"""/g)?.length ?? 0) % 2 === 0) {
      if (open.trim()) found.push(open.trim());
      open = '';
    }
  }
  if (open.trim()) found.push(open.trim());
  return found;
}

/** The notebook: the text first, a word on where the output shows, then the job. */
export function notebookOf(format: NotebookFormat, markdown: readonly string[], pySparkScript: string): string {
  return notebook(format, notebookCells([...markdown, CONSOLE_SINK_NOTE], pySparkScript));
}

/** A scenario document's own words: its `ui.title` as the heading and its `ui.about`. */
export function scenarioMarkdown(document: unknown): string[] {
  const ui = (document as { ui?: { title?: unknown; about?: unknown } } | null)?.ui;
  const title = typeof ui?.title === 'string' ? ui.title : 'A Tideline scenario';
  return [typeof ui?.about === 'string' ? `# ${title}\n\n${ui.about}` : `# ${title}`];
}

export function notebook(format: NotebookFormat, cells: readonly NotebookCell[]): string {
  return format === 'databricks' ? databricksSource(cells) : jupyterNotebook(cells);
}

/** Databricks' source format: a Python file whose comments mark the cells and hold the markdown. */
function databricksSource(cells: readonly NotebookCell[]): string {
  const shown = cells.map((cell) =>
    cell.kind === 'code'
      ? cell.text
      : ['%md', ...cell.text.split('\n')].map((line) => (line ? `# MAGIC ${line}` : '# MAGIC')).join('\n'),
  );
  return `# Databricks notebook source\n${shown.join('\n\n# COMMAND ----------\n\n')}\n`;
}

/** nbformat 4.5: each cell's source as lines, each with its own id. */
function jupyterNotebook(cells: readonly NotebookCell[]): string {
  const lines = (text: string) => text.split('\n').map((line, i, all) => (i < all.length - 1 ? `${line}\n` : line));
  const document = {
    cells: cells.map((cell, i) =>
      cell.kind === 'markdown'
        ? { cell_type: 'markdown', id: `cell-${i + 1}`, metadata: {}, source: lines(cell.text) }
        : {
            cell_type: 'code',
            id: `cell-${i + 1}`,
            metadata: {},
            execution_count: null,
            outputs: [],
            source: lines(cell.text),
          },
    ),
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(document, null, 1) + '\n';
}

/** Where a console sink's rows show, said once in the notebook beside the job. */
export const CONSOLE_SINK_NOTE =
  'Each query writes its batches to a console sink: on Databricks they show in the driver log, under Jupyter in ' +
  'the terminal that runs the kernel. On Databricks, `display(query_0)` shows the first query as a live table instead.';
