/**
 * A tiny HTML template tag that escapes every interpolated value unless it is a fragment this
 * module produced (`Html`). Merchant names, ids and URLs come from outside: none of them may open
 * a tag or break out of an attribute. Named `markup`, not `html`: Prettier reformats templates tagged
 * `html`, which would put whitespace into the hash-pinned <style>.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

type Part = Html | string | number | undefined | null | false | ReadonlyArray<Html>;

function render(part: Part): string {
  if (part === undefined || part === null || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return (part as ReadonlyArray<Html>).map(render).join('');
  return escapeHtml(String(part));
}

export function markup(strings: TemplateStringsArray, ...parts: Part[]): Html {
  return new Html(strings.reduce((out, s, i) => out + s + (i < parts.length ? render(parts[i]) : ''), ''));
}
