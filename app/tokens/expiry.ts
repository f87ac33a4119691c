// How long a new API token lives, as the form offers it (days, or never).

export const EXPIRY_DAYS = ['7', '30', '90', '365', 'never'] as const;

export const EXPIRY_OPTIONS = [
  { value: '30', label: '30 days' },
  { value: '7', label: '7 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
] as const;
