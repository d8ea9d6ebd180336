/**
 * Just enough HTML reading to do what the Vipps app's web view does with a 3-D Secure page:
 * find the POST form, its inputs and its submit buttons. Not a general HTML parser.
 */

export interface HtmlForm {
  action: string;
  /** Named inputs with their values (hidden and text inputs; not submit buttons). */
  inputs: Array<{ name: string; type: string; value: string }>;
  /** Submit buttons (`<button>` or `<input type="submit">`) with a name. */
  buttons: Array<{ name: string; value: string }>;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return entities[name.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  // Skip the tag name itself.
  const body = tag.replace(/^<\s*[a-zA-Z]+/, '').replace(/\/?>$/, '');
  for (const m of body.matchAll(re)) {
    const name = m[1];
    if (name) attrs[name.toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** Every `<form method="post">` of the page, in order. */
export function findPostForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form\s*>/gi)) {
    const openTag = /^<form\b[^>]*>/i.exec(match[0])?.[0] ?? '';
    const formAttrs = attributes(openTag);
    if ((formAttrs.method ?? 'get').toLowerCase() !== 'post') continue;
    const inner = match[1] ?? '';
    const inputs: HtmlForm['inputs'] = [];
    const buttons: HtmlForm['buttons'] = [];
    for (const tag of inner.match(/<input\b[^>]*>/gi) ?? []) {
      const a = attributes(tag);
      const type = (a.type ?? 'text').toLowerCase();
      if (!a.name) continue;
      if (type === 'submit') buttons.push({ name: a.name, value: a.value ?? '' });
      else inputs.push({ name: a.name, type, value: a.value ?? '' });
    }
    for (const tag of inner.match(/<button\b[^>]*>/gi) ?? []) {
      const a = attributes(tag);
      if (a.name && (a.type ?? 'submit').toLowerCase() === 'submit')
        buttons.push({ name: a.name, value: a.value ?? '' });
    }
    forms.push({ action: formAttrs.action ?? '', inputs, buttons });
  }
  return forms;
}

/** The href of `<a id="...">`, entities decoded. */
export function findLink(html: string, id: string): string | undefined {
  for (const tag of html.match(/<a\b[^>]*>/gi) ?? []) {
    const a = attributes(tag);
    if (a.id === id && a.href) return a.href;
  }
  return undefined;
}
