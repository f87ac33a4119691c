// Where in the pasted text a problem is, in words: apply reports paths such as `[1].metadata.name`
// (the second YAML document), `items[0].spec` (a `kind: List`'s first item) or `metadata.name`
// (a lone manifest).

export function describeApplyPath(path: string): string {
  if (path === '') return 'The text';
  const parts: string[] = [];
  let rest = path;
  const document = /^\[(\d+)\]\.?/.exec(rest);
  if (document) {
    parts.push(`Document ${Number(document[1]) + 1}`);
    rest = rest.slice(document[0].length);
  }
  const item = /^items\[(\d+)\]\.?/.exec(rest);
  if (item) {
    parts.push(`list item ${Number(item[1]) + 1}`);
    rest = rest.slice(item[0].length);
  }
  if (rest) parts.push(`field ${rest}`);
  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
