import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { go, useRoute } from './router';
import { api, setUnauthorizedHandler, type User } from './api';
import { Login } from './screens/Login';
import { CaseList } from './screens/CaseList';
import { CaseForm } from './screens/CaseForm';
import { CaseDetail } from './screens/CaseDetail';
import { KnowledgeScreen } from './screens/Knowledge';
import { MeetingAgenda, MeetingList } from './screens/Meetings';
import { Present } from './screens/Present';
import { Minutes } from './screens/Minutes';
import { openDetailsWhilePrinting } from './PrintReferences';
import './styles.css';

openDetailsWhilePrinting();

function App() {
  const [user, setUser] = useState<User | null>(null);
  const [checked, setChecked] = useState(false);
  // A session that ended while the user worked (expired, signed out elsewhere): the sign-in form
  // opens over the screen, which stays mounted, so a half-filled form keeps its content.
  const [expired, setExpired] = useState(false);
  const route = useRoute();

  useEffect(() => {
    setUnauthorizedHandler(() => setExpired(true));
    api.session().then((s) => setUser(s?.user ?? null)).catch(() => setUser(null)).finally(() => setChecked(true));
  }, []);

  // Move focus to the main heading on navigation, for keyboard and screen-reader users.
  useEffect(() => {
    const h = document.querySelector<HTMLElement>('main h1');
    if (h) { h.tabIndex = -1; h.focus({ preventScroll: true }); }
  }, [route.join('/'), !!user]);

  if (!checked) return <p class="boot">Loading Zebra…</p>;

  const signOut = async () => { await api.signOut(); setUser(null); setExpired(false); go('/cases'); };
  let screen;
  if (!user) screen = <Login onSignedIn={(u) => { setUser(u); setExpired(false); }} />;
  else if (route[0] === 'knowledge') screen = <KnowledgeScreen />;
  else if (route[0] === 'meetings' && route[1] && route[2] === 'present') screen = <Present user={user} meetingId={route[1]} position={Number(route[3] ?? 1) || 1} />;
  else if (route[0] === 'meetings' && route[1] && route[2] === 'minutes') screen = <Minutes meetingId={route[1]} />;
  else if (route[0] === 'meetings' && route[1]) screen = <MeetingAgenda user={user} meetingId={route[1]} />;
  else if (route[0] === 'meetings') screen = <MeetingList user={user} />;
  else if (route[0] === 'cases' && route[1] === 'new') screen = <CaseForm user={user} />;
  else if (route[0] === 'cases' && route[1] && route[2] === 'edit') screen = <CaseForm user={user} caseId={route[1]} />;
  else if (route[0] === 'cases' && route[1]) screen = <CaseDetail user={user} caseId={route[1]} tab={route[2] ?? (user.role === 'viewer' ? 'summary' : 'recommendation')} />;
  else screen = <CaseList user={user} />;

  const current = route[0] ?? 'cases';
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header class="topbar no-print">
        <span class="brand" aria-label="Zebra">Zebra <small>NET tumour board</small></span>
        {user && (
          <nav aria-label="Main">
            <a href="#/meetings" aria-current={current === 'meetings' ? 'page' : undefined}>Meetings</a>
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
      <main id="main" tabIndex={-1} inert={user && expired ? true : undefined}>{screen}</main>
      {user && expired && (
        <div class="overlay" data-testid="session-expired">
          <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="expired-h">
            <h2 id="expired-h">Your session has ended</h2>
            <p>You were signed out (the session expired or was ended elsewhere), so the last action was not carried out.
              Sign in again to go on: what you entered on this page is kept.</p>
            <Login embedded onSignedIn={(u) => { setUser(u); setExpired(false); }} />
          </div>
        </div>
      )}
      <footer class="no-print">Zebra supports the care team's decision; it does not replace clinical judgement.</footer>
    </>
  );
}

render(<App />, document.getElementById('app')!);
