// Writes schema/experiment.schema.json and schema/sweep.schema.json (at the repo root) from the built packages:
// core's sections with the built-in datasets, models, tasks and callbacks composed in, as the documents editors
// check experiment and sweep files against (see core's schema-document.ts: a file with `extends` is a partial
// config, plugin callbacks pass). Run `npm run schema -w @xp/runner` after changing a schema and commit the
// result; schema-document.test.ts fails while a committed file is out of date.
import { mkdir, writeFile } from 'node:fs/promises';
import { stdout } from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { experimentJsonSchemaText, sweepJsonSchemaText } from '@xp/core';
import { NO_PLUGINS } from '../dist/index.js';

const dir = new URL('../../../schema/', import.meta.url);
await mkdir(dir, { recursive: true });
for (const [name, text] of [
  ['experiment.schema.json', experimentJsonSchemaText(NO_PLUGINS.extensions)],
  ['sweep.schema.json', sweepJsonSchemaText()],
]) {
  const out = new URL(name, dir);
  await writeFile(out, text);
  stdout.write(`wrote ${fileURLToPath(out)}\n`);
}
