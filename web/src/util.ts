export function fmtTime(s: string | undefined | null): string {
  if (!s) return '';
  const d = new Date(s);
  if (isNaN(d.getTime())) return s;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };
