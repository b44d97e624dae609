/**
 * HTML built from templates whose interpolated values are escaped unless they are `Html` already:
 * every value from the API (ids, step names, error messages, inputs) goes through `escapeHtml`,
 * so a workflow named `<img onerror=…>` is text, not markup. The views only ever assign `Html` to
 * `innerHTML`.
 */

/** Markup known to be safe: built by `html` or `raw` from a literal. */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Escapes text for element content and quoted attribute values. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c);

function render(value: Value): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** `html\`<td>${name}</td>\`` escapes `name`; nested `html` values and arrays of them are kept. */
export function html(strings: TemplateStringsArray, ...values: readonly Value[]): Html {
  let text = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) text += render(values[i]) + (strings[i + 1] ?? "");
  return new Html(text);
}

/** A fragment link to a console page; each path segment percent-encoded. */
export const href = (...segments: readonly string[]): string =>
  `#/${segments.map(encodeURIComponent).join("/")}`;
