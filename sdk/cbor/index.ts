export { encodeCbor, decodeCbor, bytesEqual, Tag, type CborValue, type DecodeOptions } from './codec.js';
export { defineSchema, type Schema, type FieldSpec, type FieldType, type SchemaFields } from './schema.js';
