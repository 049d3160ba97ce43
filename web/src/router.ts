import { useEffect, useState } from 'preact/hooks';

// Hash routes keep the static server simple (no fallback needed):
// #/cases, #/cases/new, #/cases/ID[/tab], #/cases/ID/edit, #/knowledge
const parse = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);

export function useRoute(): string[] {
  const [route, setRoute] = useState(parse());
  useEffect(() => {
    const f = () => setRoute(parse());
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  return route;
}

export const go = (path: string) => { location.hash = path; };
