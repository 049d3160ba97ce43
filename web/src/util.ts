import { useLayoutEffect } from 'preact/hooks';

export function fmtTime(s: string | undefined | null): string {
  if (!s) return '';
  const d = new Date(s);
  if (isNaN(d.getTime())) return s;
  // British dates and 24-hour times, whatever the browser's language (one spelling and style in the UI).
  return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };

// Each screen names itself in the window title (issue 18: page titles per screen).
export function useTitle(title: string) {
  // In the commit that shows the screen, so the title never lags behind the heading.
  useLayoutEffect(() => { document.title = `${title} · Zebra`; }, [title]);
}
