import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorText, type OidcPublic, type User } from '../api';

export function Login({ onSignedIn, embedded = false }: { onSignedIn: (u: User) => void; embedded?: boolean }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState<OidcPublic>({ enabled: false });

  useEffect(() => { void api.oidcConfig().then(setSso); }, []);
  useEffect(() => { if (!embedded) document.title = 'Sign in · Zebra'; else document.getElementById('username')?.focus(); }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError('');
    try {
      const s = await api.signIn(username, password);
      onSignedIn(s.user);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'Wrong user name or password.' : errorText(err));
    } finally { setBusy(false); }
  };

  return (
    <section class={embedded ? 'login-embedded' : 'login card'}>
      {embedded ? <h3>Sign in</h3> : <h1>Sign in</h1>}
      {sso.enabled && sso.login_url && (
        <>
          {/* A full navigation: the identity provider signs the person in and sends them back. */}
          <p><a class="button primary sso" href={sso.login_url}>Sign in with {sso.name || sso.issuer}</a></p>
          <p class="muted">Or use a local Zebra account:</p>
        </>
      )}
      {!sso.enabled && <p class="muted">Use your Zebra service account.</p>}
      <form onSubmit={submit}>
        <div class="field">
          <label for="username">User name</label>
          <input id="username" name="username" autocomplete="username" required value={username}
            onInput={(e) => setUsername(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
        </div>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </section>
  );
}
