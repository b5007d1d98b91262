// The `data:` section of a `type: table` experiment. Everything a table run needs is named here; the registry
// adds `type`.
import { PositiveInt, Rate, Strict, StringOptions, Type, type Static } from '@xp/core';

/** File formats a table is read from. */
export const TABLE_FORMATS = ['csv', 'tsv', 'json', 'jsonl'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** How a feature column is encoded: standardised number, or one-hot over the training vocabulary. */
export const COLUMN_KINDS = ['numeric', 'categorical'] as const;
export type ColumnKind = (typeof COLUMN_KINDS)[number];

/** What happens to a missing value. */
export const MISSING_POLICIES = ['error', 'drop', 'mean', 'constant'] as const;
export type MissingPolicy = (typeof MISSING_POLICIES)[number];

/** Default row limit: a bigger file is refused before it is held in memory. */
export const DEFAULT_MAX_ROWS = 1_000_000;

export const TableDataSchema = Strict(
  {
    path: Type.String({
      minLength: 1,
      description: 'The table file (CSV, TSV, JSON array of objects or JSON Lines), relative to the experiment file.',
    }),
    format: StringOptions<'auto' | TableFormat>(['auto', ...TABLE_FORMATS], {
      description: 'File format; `auto` reads it from the extension (.csv, .tsv/.tab, .json, .jsonl/.ndjson).',
      default: 'auto',
    }),
    target: Type.String({ minLength: 1, description: 'The column to predict.' }),
    target_kind: StringOptions<'auto' | ColumnKind>(['auto', 'numeric', 'categorical'], {
      description:
        'Numeric targets are regressed, categorical ones classified; `auto` takes numeric when every target value is a number. ' +
        'Set `categorical` for integer-coded classes.',
      default: 'auto',
    }),
    features: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), StringOptions(COLUMN_KINDS, { description: 'How the column is encoded.' }), {
        description:
          'Feature columns and their kind (`numeric` or `categorical`). Omitted: every column but the target, numeric when all its values are numbers.',
      }),
    ),
    missing: StringOptions(MISSING_POLICIES, {
      description:
        'Missing values: `error` reports each one; `drop` leaves the row out; `mean` fills numeric columns with the training mean ' +
        'and categorical ones with the most frequent training value; `constant` fills with `fill_value`. A missing target is only ever dropped.',
      default: 'error',
    }),
    fill_value: Type.Optional(
      Type.Union([Type.Number(), Type.String()], { description: 'The value that fills missing cells when `missing: constant`.' }),
    ),
    na_values: Type.Array(Type.String(), {
      description: 'Cell texts that mean "missing" (JSON null and absent keys always do).',
      default: ['', 'NA', 'N/A', 'null'],
    }),
    val_fraction: Rate({ description: 'Share of the rows held out for validation (seeded).', default: 0.1 }),
    test_fraction: Rate({ description: 'Share of the rows held out for the test (seeded).', default: 0.2 }),
    max_rows: PositiveInt({
      description: 'Largest number of data rows read; a bigger file is refused before it is loaded. Raise it if the machine has the memory.',
      default: DEFAULT_MAX_ROWS,
    }),
  },
  { description: 'A table of rows: one column is the target, the others (or those listed) the features.' },
);

/** The resolved `data:` section of a table experiment. */
export type TableConfig = Static<typeof TableDataSchema> & { type: 'table' };
