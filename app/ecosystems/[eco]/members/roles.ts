// The ecosystem roles as the member forms offer them.

export const ROLE_OPTIONS = [
  { value: 'viewer', label: 'Viewer — reads everything' },
  { value: 'developer', label: 'Developer — also works with apps and workspaces' },
  { value: 'owner', label: 'Owner — also manages domains and members' },
] as const;
