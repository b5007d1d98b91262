export { tableDataset } from './table-dataset.js';
export { TableDataSchema, type TableConfig, type TableFormat, type ColumnKind, type MissingPolicy } from './schema.js';
export { encodeRows, EncodeError, UNSEEN, type TablePreprocessing, type ColumnEncoding, type TargetEncoding } from './preprocess.js';
export { readTable, type RawTable, type Cell } from './read-table.js';
