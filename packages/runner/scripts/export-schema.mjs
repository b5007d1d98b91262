// Writes schema/experiment.schema.json (at the repo root) from the built packages: core's sections with the
// built-in datasets, models, tasks and callbacks composed in, so editors can validate and complete experiment
// files. Run `npm run schema -w @xp/runner` after changing a schema and commit the result;
// schema-document.test.ts fails while the committed file is out of date.
import { mkdir, writeFile } from 'node:fs/promises';
import { stdout } from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { experimentJsonSchemaText } from '@xp/core';
import { NO_PLUGINS } from '../dist/index.js';

const out = new URL('../../../schema/experiment.schema.json', import.meta.url);
await mkdir(new URL('.', out), { recursive: true });
await writeFile(out, experimentJsonSchemaText(NO_PLUGINS.extensions));
stdout.write(`wrote ${fileURLToPath(out)}\n`);
