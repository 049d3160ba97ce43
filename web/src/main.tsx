import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { go, useRoute } from './router';
import { api, setUnauthorizedHandler, type User } from './api';
import { Login } from './screens/Login';
import { CaseList } from './screens/CaseList';
import { CaseForm } from './screens/CaseForm';
import { CaseDetail } from './screens/CaseDetail';
import { KnowledgeScreen } from './screens/Knowledge';
import { openDetailsWhilePrinting } from './PrintReferences';
import './styles.css';

openDetailsWhilePrinting();

function App() {
  const [user, setUser] = useState<User | null>(null);
  const [checked, setChecked] = useState(false);
  const route = useRoute();

  useEffect(() => {
    setUnauthorizedHandler(() => setUser(null));
    api.session().then((s) => setUser(s?.user ?? null)).catch(() => setUser(null)).finally(() => setChecked(true));
  }, []);

  // Move focus to the main heading on navigation, for keyboard and screen-reader users.
  useEffect(() => {
    const h = document.querySelector<HTMLElement>('main h1');
    if (h) { h.tabIndex = -1; h.focus({ preventScroll: true }); }
  }, [route.join('/'), !!user]);

  if (!checked) return <p class="boot">Loading Zebra…</p>;

  const signOut = async () => { await api.signOut(); setUser(null); go('/cases'); };
  let screen;
  if (!user) screen = <Login onSignedIn={setUser} />;
  else if (route[0] === 'knowledge') screen = <KnowledgeScreen />;
  else if (route[0] === 'cases' && route[1] === 'new') screen = <CaseForm user={user} />;
  else if (route[0] === 'cases' && route[1] && route[2] === 'edit') screen = <CaseForm user={user} caseId={route[1]} />;
  else if (route[0] === 'cases' && route[1]) screen = <CaseDetail user={user} caseId={route[1]} tab={route[2] ?? 'recommendation'} />;
  else screen = <CaseList user={user} />;

  const current = route[0] ?? 'cases';
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header class="topbar no-print">
        <span class="brand" aria-label="Zebra">Zebra <small>NET tumour board</small></span>
        {user && (
          <nav aria-label="Main">
            <a href="#/cases" aria-current={current === 'cases' ? 'page' : undefined}>Cases</a>
            <a href="#/knowledge" aria-current={current === 'knowledge' ? 'page' : undefined}>Knowledge</a>
          </nav>
        )}
        {user && (
          <div class="who">
            <span data-testid="who">{user.username} <span class="role">({user.role})</span></span>
            <button type="button" class="link" onClick={signOut}>Sign out</button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>{screen}</main>
      <footer class="no-print">Zebra supports the care team's decision; it does not replace clinical judgement.</footer>
    </>
  );
}

render(<App />, document.getElementById('app')!);
