// Typed field helpers: each carries its description, default and bounds, so the JSON Schema and the TS
// types come from one place (Ludwig's schema/utils.py does the same for Python).
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';

interface FieldOpts {
  description: string;
  default?: unknown;
}

/** An integer ≥ 1. */
export const PositiveInt = (o: FieldOpts) => Type.Integer({ minimum: 1, ...o });
/** An integer ≥ 0. */
export const NonNegativeInt = (o: FieldOpts) => Type.Integer({ minimum: 0, ...o });
/** A number > 0. */
export const PositiveNumber = (o: FieldOpts) => Type.Number({ exclusiveMinimum: 0, ...o });
/** A number ≥ 0. */
export const NonNegativeNumber = (o: FieldOpts) => Type.Number({ minimum: 0, ...o });
/** A probability in [0, 1]. */
export const Probability = (o: FieldOpts) => Type.Number({ minimum: 0, maximum: 1, ...o });
/** A dropout-like rate in [0, 1): 1 would drop everything. */
export const Rate = (o: FieldOpts) => Type.Number({ minimum: 0, exclusiveMaximum: 1, ...o });
/** A number in [min, max]. */
export const FloatRange = (min: number, max: number, o: FieldOpts) => Type.Number({ minimum: min, maximum: max, ...o });
/**
 * A name that becomes part of a local file name, an artifact path or an MLflow metric key: letters, digits,
 * `_`, `-` and `.`, not starting with `.`. So never `..`, `.`, a hidden file, a `/` or a backslash: one path
 * segment that stays where it is put (a path check at upload time would only fail after training).
 */
export const SafeName = (o: FieldOpts) => Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-][A-Za-z0-9_.-]*$', ...o });
/** One of a fixed set of strings. */
export const StringOptions = <T extends string>(values: readonly T[], o: FieldOpts) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...o });
/**
 * An object that rejects unknown keys.
 *
 * Keys with a default are left out of the JSON Schema's `required`: the file may omit them (validation fills
 * them in), and editors reading the exported schema must not flag them as missing. The static type still
 * has them required, because a resolved config always has them.
 */
export const Strict = <P extends Record<string, TSchema>>(props: P, o: FieldOpts & { required?: never }) => {
  const schema = Type.Object(props, { additionalProperties: false, ...o });
  const raw = schema as { required?: string[] }; // TypeBox types `required` as a tuple of the key names
  const required = (raw.required ?? []).filter((k) => !('default' in props[k]));
  if (required.length > 0) raw.required = required;
  else delete raw.required;
  return schema;
};

/** The static type of a union discriminated by `type`, one member per registry entry. */
export type Discriminated<T extends Record<string, TObject>> = {
  [K in keyof T & string]: Static<T[K]> & { type: K };
}[keyof T & string];

/**
 * A union discriminated by its `type` key, with one branch per registry entry.
 *
 * Emitted as `if/then` branches rather than `oneOf`, so that ajv reports the errors of the one branch the
 * user meant instead of every branch's (Ludwig generates its split schema the same way).
 */
export function discriminated<T extends Record<string, TObject>>(variants: T, o: FieldOpts) {
  const names = Object.keys(variants);
  const schema = {
    type: 'object',
    ...o,
    required: ['type'],
    properties: { type: { type: 'string', enum: names, description: `One of: ${names.join(', ')}.` } },
    allOf: names.map((name) => {
      const v = variants[name];
      return {
        // `type: object` in the `if`: a non-mapping value must fail only the outer type check, not every branch.
        if: { type: 'object', properties: { type: { const: name } }, required: ['type'] },
        then: {
          ...v,
          properties: { type: { const: name }, ...v.properties },
          additionalProperties: false,
        },
      };
    }),
  };
  return Type.Unsafe<Discriminated<T>>(schema);
}
