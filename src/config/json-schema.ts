import * as z from 'zod';
import { configSchema } from './schema.js';

/**
 * The JSON Schema of the config file, generated from the zod schema (input side: every field
 * with a default is optional). Committed as config/radar.schema.json; a test keeps it current.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    title: 'radar configuration',
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
