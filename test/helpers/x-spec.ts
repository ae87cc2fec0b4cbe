import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * X's own OpenAPI documents (`../shared/x-spec/` next to the repository; CI has it), compiled with Ajv so
 * tests can check responses against X's response schemas. Undefined when the folder is not there.
 */
export const X_SPEC_DIR = path.resolve(fileURLToPath(import.meta.url), '../../../../shared/x-spec');

export type XSpecFile = 'openapi-media-2025-02.json' | 'openapi-media-2.166.json' | 'openapi-media-2.167.json';

export interface XSpec {
  /** A validator for `#/components/schemas/<name>` of `file`; `edit` may adjust a copy of the schema first. */
  schema(file: XSpecFile, name: string, edit?: (schema: Record<string, unknown>) => void): ValidateFunction;
}

export const X_SPEC_MISSING = `X's OpenAPI documents are not at ${X_SPEC_DIR}`;

export function loadXSpec(): XSpec | undefined {
  if (!existsSync(X_SPEC_DIR)) return undefined;
  // strict: false lets Ajv skip OpenAPI's own keywords (discriminator, example, ...).
  const ajv = new Ajv({ strict: false, allErrors: true });
  const formats = new Set<string>();
  const documents = new Map<string, Record<string, unknown>>();
  for (const file of readdirSync(X_SPEC_DIR).filter((f) => f.endsWith('.json'))) {
    const document = JSON.parse(readFileSync(path.join(X_SPEC_DIR, file), 'utf8')) as Record<string, unknown>;
    collectFormats(document, formats);
    documents.set(file, document);
    ajv.addSchema(document, file);
  }
  // OpenAPI formats (long, double, int32, binary, byte, ...) are annotations to Ajv: accept any value.
  for (const format of formats) ajv.addFormat(format, true);
  return {
    schema(file, name, edit) {
      if (!edit) return ajv.compile({ $ref: `${file}#/components/schemas/${name}` });
      const document = structuredClone(documents.get(file)) as { components: { schemas: Record<string, Record<string, unknown>> } };
      edit(document.components.schemas[name]!);
      return new Ajv({ strict: false, allErrors: true, formats: Object.fromEntries([...formats].map((f) => [f, true])) })
        .addSchema(document, file)
        .compile({ $ref: `${file}#/components/schemas/${name}` });
    },
  };
}

function collectFormats(value: unknown, into: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  if (typeof record.format === 'string') into.add(record.format);
  for (const child of Object.values(record)) collectFormats(child, into);
}

/** Asserts-friendly: the validation errors as text, or undefined when `value` is valid. */
export function schemaErrors(validate: ValidateFunction, value: unknown): string | undefined {
  return validate(value) ? undefined : JSON.stringify(validate.errors, null, 2);
}
