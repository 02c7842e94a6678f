// Answering a server's elicitation (form mode) for `conn call`: asked on a terminal, otherwise
// declined, or accepted with each field's default when the user said so up front.
type Prop = { type?: string; title?: string; description?: string; default?: unknown; enum?: unknown[]; format?: string; oneOf?: { const?: unknown }[] };
export interface FormSchema {
  properties?: Record<string, Prop>;
  required?: string[];
}
export type ElicitAnswer = { action: 'accept'; content: Record<string, string | number | boolean | string[]> } | { action: 'decline' | 'cancel' };

/** Accept with every field's default; decline when a required field has none. */
export function acceptDefaults(schema: FormSchema): ElicitAnswer {
  const content: Record<string, string | number | boolean | string[]> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default !== undefined) content[key] = prop.default as string | number | boolean | string[];
    else if (schema.required?.includes(key)) return { action: 'decline' };
  }
  return { action: 'accept', content };
}

/** Password-like fields are asked without echo. */
export function looksSecret(key: string, prop: Prop): boolean {
  return prop.format === 'password' || /pass(word)?|secret|token|api[-_]?key/i.test(`${key} ${prop.title ?? ''}`);
}

/** A typed answer from what the user typed (numbers, booleans); undefined when left empty. */
export function fromTyped(prop: Prop, text: string): string | number | boolean | undefined {
  if (text === '') return undefined;
  if (prop.type === 'number' || prop.type === 'integer') return Number(text);
  if (prop.type === 'boolean') return /^(y|yes|true)$/i.test(text);
  return text;
}

export function choicesOf(prop: Prop): string[] | undefined {
  if (Array.isArray(prop.enum)) return prop.enum.map(String);
  if (Array.isArray(prop.oneOf)) return prop.oneOf.map((o) => String(o.const));
  return undefined;
}
