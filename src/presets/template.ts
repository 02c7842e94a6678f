// `{{FIELD}}` templates in presets: the one pattern every reader of a preset template uses.

/** One `{{FIELD}}` reference (global: use with matchAll / replace). */
export const TEMPLATE_REF = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/** A template that is exactly one `{{FIELD}}` reference. */
export const WHOLE_TEMPLATE_REF = /^\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}$/;

/** The fields a template refers to, in order. */
export function templateFields(template: string): string[] {
  return [...template.matchAll(TEMPLATE_REF)].map((m) => m[1]!);
}

/** `{{FIELD}}` → value; undefined when any referenced field has no value (the caller drops it). */
export function expandTemplate(template: string, values: Record<string, string>): string | undefined {
  let missing = false;
  const out = template.replace(TEMPLATE_REF, (_m, key: string) => {
    const value = values[key];
    if (value === undefined || value === '') missing = true;
    return value ?? '';
  });
  return missing ? undefined : out;
}
