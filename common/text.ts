/**
 * A value of unknown type as text, for messages and table cells: strings as they are, numbers,
 * booleans and null as String() writes them, anything else (a mapping, a list) as JSON rather
 * than "[object Object]".
 */
export function textOf(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'symbol':
    case 'undefined':
      return String(v);
    case 'function':
      return `[function ${v.name}]`;
    default: {
      if (v === null) return 'null';
      const tag = Object.prototype.toString.call(v); // "[object Object]": the last resort
      try {
        return JSON.stringify(v) ?? tag;
      } catch {
        return tag; // a cycle, or a bigint inside
      }
    }
  }
}
