// "View YAML": a link to the dashboard's YAML view of one object (/apply?ref=eco/dom/app/ws),
// where it can be read and, for those allowed, changed and applied. `path` is the object's names
// from the ecosystem down: one name for an ecosystem, four for a workspace.

export function yamlViewHref(path: readonly string[]): string {
  return `/apply?ref=${path.map(encodeURIComponent).join('/')}`;
}

export function ViewYamlLink({
  path,
  children = 'View YAML',
}: {
  path: readonly string[];
  children?: React.ReactNode;
}) {
  return (
    <a href={yamlViewHref(path)} className="yaml-link">
      {children}
    </a>
  );
}
