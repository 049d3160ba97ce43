import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from './api';

const calls: { url: string; init: RequestInit }[] = [];
function answer(status: number, body: unknown) {
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json' } });
  }));
}
afterEach(() => { calls.length = 0; vi.unstubAllGlobals(); });

describe('api client', () => {
  it('sends search, sort and filters of the case list as query parameters, leaving out empty ones', async () => {
    answer(200, { cases: [] });
    await api.cases({ q: 'pnet g3', sort: '-missing', site: '', readiness: 'incomplete' });
    expect(calls[0].url).toBe('/v1/cases?q=pnet+g3&sort=-missing&readiness=incomplete');
    await api.cases();
    expect(calls[1].url).toBe('/v1/cases');
  });
  it('sends the CSRF token on a meeting update, with the revision it edits', async () => {
    answer(200, { user: { username: 'c', role: 'coordinator' }, csrf_token: 'tok' });
    await api.signIn('c', 'p');
    answer(200, {});
    await api.updateMeeting('m 1', { revision: 2, date: '2026-12-07', board: 'GEP-NET board', agenda: [{ case_id: 'a' }] });
    expect(calls[1].url).toBe('/v1/meetings/m%201');
    expect(calls[1].init.method).toBe('PUT');
    expect((calls[1].init.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok');
    expect(JSON.parse(String(calls[1].init.body))).toMatchObject({ revision: 2, agenda: [{ case_id: 'a' }] });
  });
  it('turns a problem answer into an ApiError with the field paths', async () => {
    answer(400, { title: 'invalid', status: 400, errors: [{ path: '$.reason', message: 'is required' }] });
    const e = await api.decide('c1', { option_id: 'x', attendees: [{ role: 'Chair', name: 'A' }] }).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.problem.errors[0].path).toBe('$.reason');
  });
});
