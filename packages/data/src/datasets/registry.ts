import type { DatasetType } from './dataset-type.js';
import { imageFolderDataset } from './image_folder/index.js';
import { mnistDataset } from './mnist/index.js';
import { mnistSequences } from './mnist_sequences/index.js';
import { tableDataset } from './table/index.js';

/**
 * Every built-in dataset type, keyed by its `data.type` name. Adding a type means adding its folder and one
 * line here; `--plugin` entries are merged in by the runner, never into this object.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed by its own schema
export const datasetTypes: Readonly<Record<string, DatasetType<any>>> = {
  mnist_sequences: mnistSequences,
  mnist: mnistDataset,
  image_folder: imageFolderDataset,
  table: tableDataset,
};
