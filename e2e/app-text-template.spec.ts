// "Text from several columns": the Dataset cell's picker builds the text to embed from a template
// such as `{package}: {description}` — an unknown column is named in the cell, the run embeds the
// rendered texts (equal to onnxruntime-node embedding those texts), and the export keeps every
// input column.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { downloadParquet, maxAbsDiff, openApp, setChunking, waitRunDone } from './fixtures/app';
import { nodeEmbeddings } from './fixtures/node-reference';
import { dropFile, utf8 } from './fixtures/drop';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const PACKAGES: Array<[string, string, number]> = [
  ['python3-sklearn', 'machine learning in Python', 1200],
  ['ripgrep', 'recursively searches directories for a regex pattern', 830],
  ['jq', 'lightweight and flexible command-line JSON processor', 120],
  ['r-base', 'GNU R statistical computation and graphics system', 40],
  ['gimp', 'GNU Image Manipulation Program', 9000],
  ['postgresql', 'object-relational SQL database', 5100],
];

test('a text template builds the embedded text from several columns; unknown columns are named', async () => {
  const csv = `package,description,size\n${PACKAGES.map(([p, d, s]) => `${p},${d},${s}`).join('\n')}\n`;
  const { page, errors } = await openApp(browser, inject('appUrl'));
  await dropFile(page, '[data-testid=cell-dataset]', { name: 'packages.csv', bytes: utf8(csv) });
  await expect.poll(() => page.getByTestId('dataset-rows').textContent().catch(() => '')).toBe(String(PACKAGES.length));

  await page.getByTestId('dataset-text-column').selectOption('__template__');
  const input = page.getByTestId('dataset-text-template');
  expect(await input.inputValue()).toBe('{package}: {description}');
  await input.fill('{package}: {descr}');
  await expect.poll(() => page.getByTestId('dataset-text-template-hint').textContent()).toMatch(/has no column "descr", named by the text template "\{package\}: \{descr\}"\. Available columns: "package", "description", "size"/);
  await input.fill('{package');
  await expect.poll(() => page.getByTestId('dataset-text-template-hint').textContent()).toMatch(/the '\{' at character 1 is not closed/);
  await input.fill('{package}: {description} ({size} kB)');
  await expect.poll(() => page.getByTestId('dataset-text-template-hint').textContent()).toMatch(/replaced by the row's value/);
  // Copy as code renders the template (it once showed it as a column name: table.getChild("{package}: …")).
  await page.getByTestId('code-toggle').click();
  const code = (await page.getByTestId('code-snippet').textContent())!;
  expect(code).toContain('renderTextTemplate(parseTextTemplate("{package}: {description} ({size} kB)"), table)');
  expect(code).not.toContain('getChild');

  await setChunking(page, { numChunks: 2, concurrent: 1 });
  await page.getByTestId('run-start').click();
  await waitRunDone(page, 240_000, 2);
  const { rows } = await downloadParquet(page);
  expect(rows.map((r) => r.package)).toEqual(PACKAGES.map(([p]) => p));
  expect(Object.keys(rows[0])).toEqual(['package', 'description', 'size', 'embedding']);
  const ref = await nodeEmbeddings(PACKAGES.map(([p, d, s]) => `${p}: ${d} (${s} kB)`));
  let worst = 0;
  rows.forEach((r, i) => (worst = Math.max(worst, maxAbsDiff(r.embedding as number[], ref[i]!))));
  expect(worst).toBeLessThan(1e-4);
  // The results preview shows the text that was embedded.
  await expect.poll(() => page.getByTestId('cell-results').textContent(), { timeout: 30_000 }).toContain('python3-sklearn: machine learning in Python (1200 kB)');
  expect(errors).toEqual([]);
});
