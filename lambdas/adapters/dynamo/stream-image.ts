/**
 * A DynamoDB Stream record's image (AttributeValue JSON, as Lambda hands it over) → a plain item.
 * The table holds strings, numbers, booleans, nulls, maps and lists only (the document client
 * writes nothing else), so a set or binary value is refused rather than guessed.
 */
export function fromStreamImage(image: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, attributeValue(value)]));
}

function attributeValue(value: unknown): unknown {
  const v = (value ?? {}) as Record<string, unknown>;
  if (typeof v.S === 'string') return v.S;
  if (typeof v.N === 'string') return Number(v.N);
  if (typeof v.BOOL === 'boolean') return v.BOOL;
  if (v.NULL === true) return null;
  if (Array.isArray(v.L)) return v.L.map(attributeValue);
  if (v.M !== null && typeof v.M === 'object') return fromStreamImage(v.M as Record<string, unknown>);
  throw new Error(`Unsupported attribute value in stream image: ${Object.keys(v).join(',') || 'empty'}`);
}
