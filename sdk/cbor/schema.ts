/**
 * Declarative mapping between a typed object and the integer-labelled CBOR map that carries
 * it on the wire. Each signed object kind declares one schema; `fromCbor` checks every field's
 * type, rejects unknown labels and missing required fields with EncodingError 'CBOR_SCHEMA'.
 */
import { EncodingError, describe } from '../errors.js';
import type { CborValue } from './codec.js';

export type FieldType =
  | 'uint'
  | 'int'
  | 'tstr'
  | 'bstr'
  | 'bool'
  | { arrayOf: FieldType; max?: number }
  | { schema: Schema<object> }
  | { oneOf: readonly string[] };

export interface FieldSpec {
  /** The CBOR map label. */
  readonly l: number;
  readonly t: FieldType;
  readonly optional?: boolean;
  /** Largest text length in characters / byte string length in bytes. */
  readonly max?: number;
}

export type SchemaFields<T> = { readonly [K in keyof T]-?: FieldSpec };

export interface Schema<T extends object> {
  readonly name: string;
  readonly fields: SchemaFields<T>;
  toCbor(value: T): Map<number, CborValue>;
  fromCbor(value: unknown): T;
}

function typeName(t: FieldType): string {
  if (typeof t === 'string') return t;
  if ('arrayOf' in t) return `array of ${typeName(t.arrayOf)}`;
  if ('schema' in t) return t.schema.name;
  return `one of ${t.oneOf.join('|')}`;
}

function fail(schema: string, field: string, expected: string, got: unknown): never {
  throw new EncodingError('CBOR_SCHEMA', `${schema}.${field}: expected ${expected}, got ${describe(got)}`);
}

function encodeField(t: FieldType, v: unknown, where: string): CborValue {
  if (typeof t === 'object' && 'arrayOf' in t) {
    if (!Array.isArray(v)) throw new TypeError(`${where}: expected array, got ${describe(v)}`);
    return v.map((x, i) => encodeField(t.arrayOf, x, `${where}[${i}]`));
  }
  if (typeof t === 'object' && 'schema' in t) return t.schema.toCbor(v as object);
  return v as CborValue;
}

function decodeField(schema: string, name: string, spec: FieldSpec | { t: FieldType; max?: number }, v: unknown): unknown {
  const t = spec.t;
  const max = spec.max;
  if (typeof t === 'string') {
    switch (t) {
      case 'uint':
        if (typeof v !== 'number' && typeof v !== 'bigint') fail(schema, name, 'unsigned integer', v);
        if (v < 0) fail(schema, name, 'unsigned integer', v);
        return v;
      case 'int':
        if (typeof v !== 'number' && typeof v !== 'bigint') fail(schema, name, 'integer', v);
        return v;
      case 'tstr':
        if (typeof v !== 'string') fail(schema, name, 'text', v);
        if (max !== undefined && v.length > max) fail(schema, name, `text of at most ${max} characters`, v);
        return v;
      case 'bstr':
        if (!(v instanceof Uint8Array)) fail(schema, name, 'byte string', v);
        if (max !== undefined && v.length > max) fail(schema, name, `at most ${max} bytes`, v);
        return v;
      case 'bool':
        if (typeof v !== 'boolean') fail(schema, name, 'boolean', v);
        return v;
    }
  }
  if ('oneOf' in t) {
    if (typeof v !== 'string' || !t.oneOf.includes(v)) fail(schema, name, t.oneOf.join('|'), v);
    return v;
  }
  if ('arrayOf' in t) {
    if (!Array.isArray(v)) fail(schema, name, typeName(t), v);
    if (t.max !== undefined && v.length > t.max) fail(schema, name, `at most ${t.max} entries`, v);
    return v.map((x, i) => decodeField(schema, `${name}[${i}]`, { t: t.arrayOf, max }, x));
  }
  return t.schema.fromCbor(v);
}

export function defineSchema<T extends object>(name: string, fields: SchemaFields<T>): Schema<T> {
  const entries = Object.entries(fields) as [string, FieldSpec][];
  const byLabel = new Map<number, [string, FieldSpec]>();
  for (const [k, spec] of entries) {
    if (byLabel.has(spec.l)) throw new Error(`schema ${name}: label ${spec.l} used twice`);
    byLabel.set(spec.l, [k, spec]);
  }
  return {
    name,
    fields,
    toCbor(value: T): Map<number, CborValue> {
      const m = new Map<number, CborValue>();
      for (const [k, spec] of entries) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) {
          if (spec.optional) continue;
          throw new TypeError(`${name}.${k}: required field missing`);
        }
        m.set(spec.l, encodeField(spec.t, v, `${name}.${k}`));
      }
      return m;
    },
    fromCbor(value: unknown): T {
      if (!(value instanceof Map)) fail(name, '', 'map', value);
      const out: Record<string, unknown> = {};
      for (const [label, v] of value) {
        const field = typeof label === 'number' ? byLabel.get(label) : undefined;
        if (!field) throw new EncodingError('CBOR_SCHEMA', `${name}: unexpected label ${String(label)}`);
        out[field[0]] = decodeField(name, field[0], field[1], v);
      }
      for (const [k, spec] of entries) {
        if (out[k] === undefined && !spec.optional) {
          throw new EncodingError('CBOR_SCHEMA', `${name}.${k}: required field (label ${spec.l}) missing`);
        }
      }
      return out as T;
    },
  };
}
