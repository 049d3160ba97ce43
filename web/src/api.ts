// REST client for `zebra serve` (docs/api.md): session cookie plus X-CSRF-Token on unsafe methods.

import type { components } from './api-types';

// REST shapes come from openapi.json (`npm run gen:types` → api-types.ts, generated at build,
// never edited by hand). The OpenAPI marks response fields optional; the server always sends
// them, so responses are read through Full<> (every property present, nulls kept). The case and
// the recommendation documents are free-form objects in the OpenAPI (their JSON Schemas live in
// schema/), so the recommendation keeps its hand-written interface below.
type S = components['schemas'];
type Full<T> = T extends (infer U)[] ? Full<U>[]
  : T extends object ? { [K in keyof T]-?: Full<Exclude<T[K], undefined>> } : T;

export type Role = NonNullable<S['User']['role']>;
export type User = Full<S['User']>;
export interface SessionInfo { user: User; csrf_token: string }
// GET /v1/oidc/config-public: whether single sign-on (OpenID Connect) is offered.
export interface OidcPublic { enabled: boolean; issuer?: string; name?: string; login_url?: string }

export type FieldError = S['PathError'];
export type Problem = Partial<S['Problem']> & { status: number; current_revision?: number };

export class ApiError extends Error {
  constructor(public status: number, public problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }
}

// Case JSON is kept as a loosely typed tree: the form edits it by path.
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type CaseDoc = { [k: string]: Json };

export interface Option {
  id: string; title: string; intent: string; preferred: boolean; rationale: string;
  evidence?: string; citations?: string[]; side_effects?: string[]; cautions?: string[];
  involves?: { how?: string; how_often?: string; how_long?: string };
  rank?: number; rank_reason?: string; line?: 'first' | 'second' | 'later' | null;
  sources?: { guideline: string; year: number; strength: string | null; url: string | null }[];
  approval?: { fda: string; ema: string; note: string };
}
export interface WhatIf {
  field: string; value: unknown; why: 'missing' | 'near_cutoff'; first_choice: string | null;
  added: string[]; removed: string[]; summary: string;
}
export interface Recommendation {
  schema: string; case_id: string; zebra_version: string; knowledge_version: string;
  knowledge_date?: string; notice?: string;
  classification?: { category?: string; grade?: string | null; basis?: string };
  stage?: { system?: string; chapter?: string | null; t?: string | null; n?: string | null;
    m?: string | null; group?: string | null; derived?: string[] };
  scenario?: { id: string; title: string } | null;
  options: Option[];
  not_recommended: { id: string; reason: string; citations?: string[] }[];
  alerts: { id: string; severity: string; text: string; citations?: string[] }[];
  workup: { id: string; text: string }[];
  monitoring: { test: string; interval: string; duration: string; text?: string }[];
  missing: { field: string; blocks: string }[];
  patient_summary?: PatientSummary;
  trace: { decision: string; rule: string; hit: boolean }[];
  what_if?: WhatIf[];
}

export interface OptionGridRow {
  id: string; name: string; what_it_is: string; benefits: string; harms: string[];
  involves: { how: string; how_often: string; how_long: string }; if_not_chosen: string;
}
export interface PatientSummary {
  lang?: 'en' | 'ar'; reading_grade?: number | null; text: string; option_grid?: OptionGridRow[]; questions_to_ask?: string[];
}

export type CaseSummary = Full<NonNullable<S['CaseList']['cases']>[number]>;
export type CaseOneLine = Full<S['CaseOneLine']>;
export type Readiness = Full<S['Readiness']>;
export type DecisionStatus = Full<S['DecisionStatus']>;
export type CaseQuery = Partial<Record<'q' | 'sort' | 'site' | 'grade' | 'scenario' | 'readiness' | 'decision' | 'status', string>>;
export type Evaluation = Omit<Full<S['Evaluation']>, 'recommendation'> & { recommendation: Recommendation };
export type StoredCase = Omit<Full<S['CaseRecord']>, 'case'> & { case: CaseDoc; evaluation?: Evaluation };
export type Attendee = S['Attendee'];
export type DecisionInput = S['DecisionInput'];
export type Decision = Full<S['DecisionRecord']>;
export type AuditEntry = Omit<Full<NonNullable<S['AuditList']['entries']>[number]>, 'detail'> & { detail: Json };
export type Meeting = Full<S['Meeting']>;
export type AgendaItem = Full<S['AgendaItem']>;
export type MeetingInput = S['MeetingInput'];
export type AgendaItemInput = S['AgendaItemInput'];
export type MeetingSummary = Full<NonNullable<S['MeetingList']['meetings']>[number]>;

export interface CatalogueOption {
  id: string; title: string; intent?: string; clinician_text?: string; patient_text?: string;
  involves?: { how?: string; how_often?: string; how_long?: string };
  side_effects?: string[]; patient_side_effects?: string[]; citations?: string[];
}
export interface Knowledge {
  version: string; date?: string;
  models: { name: string; file: string; decisions: string[]; rules: number }[];
  options: CatalogueOption[];
  citations: Record<string, { reference: string; url?: string; doi?: string; year?: number }>;
}
export interface DemoCase { file: string; title: string; case: CaseDoc }

// The mapping report of POST /v1/fhir/map and of a SMART launch (docs/fhir-mapping.md): which field
// came from which resource, the values that conflicted (and which one was used), resources that
// gave nothing, notes, and what the bundle reported but the case never copies (stage group, grade).
export interface FhirMapReport {
  fields?: { field: string; value: unknown; resource: string; element?: string }[];
  conflicts?: { field: string; used: unknown; used_from?: string; date?: string; ignored?: { value: unknown; resource: string; date?: string }[] }[];
  unused?: string[];
  notes?: string[];
  reported?: { item: string; value: unknown; resource?: string; element?: string; date?: string }[];
}
// GET /v1/cases/{id}/source: where a case opened by a SMART launch came from. The OpenAPI gives
// only "type": "object" for it, so it is typed here from docs/api.md.
export interface CaseSource {
  kind: string; fhir_base: string; patient: string; imported_at: string; mapping_report: FhirMapReport;
}

let csrfToken = '';
// Called with 401 on any request except the session probe, so the app can show sign-in.
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(f: () => void) { onUnauthorized = f; }

async function request<T>(method: string, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && !opts.quiet401) onUnauthorized();
  const type = res.headers.get('Content-Type') || '';
  if (!res.ok) {
    let problem: Problem = { status: res.status, title: res.statusText || `HTTP ${res.status}` };
    if (type.includes('json')) {
      try { problem = { ...problem, ...(await res.json()) }; } catch { /* keep the status line */ }
    }
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined as T;
  if (type.includes('json')) return (await res.json()) as T;
  return (await res.text()) as unknown as T;
}

export const api = {
  async signIn(username: string, password: string): Promise<SessionInfo> {
    const s = await request<SessionInfo>('POST', '/v1/session', { username, password }, { quiet401: true });
    csrfToken = s.csrf_token;
    return s;
  },
  async session(): Promise<SessionInfo | null> {
    try {
      const s = await request<SessionInfo>('GET', '/v1/session', undefined, { quiet401: true });
      csrfToken = s.csrf_token;
      return s;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  },
  // Never fails: without an answer the sign-in screen simply offers no single sign-on.
  async oidcConfig(): Promise<OidcPublic> {
    try {
      return await request<OidcPublic>('GET', '/v1/oidc/config-public', undefined, { quiet401: true });
    } catch {
      return { enabled: false };
    }
  },
  async signOut(): Promise<void> {
    try { await request<void>('DELETE', '/v1/session', undefined, { quiet401: true }); } finally { csrfToken = ''; }
  },
  health: () => request<{ status: string; knowledge_version: string; engine_version: string; store: string }>('GET', '/v1/health'),
  evaluate: (c: CaseDoc, lang: 'en' | 'ar' = 'en') =>
    request<Recommendation>('POST', lang === 'en' ? '/v1/evaluate' : `/v1/evaluate?lang=${lang}`, c),
  evaluateWhatIf: (c: CaseDoc) => request<Recommendation>('POST', '/v1/evaluate?what_if=1', c),
  validate: (c: CaseDoc) => request<{ valid: boolean; errors: FieldError[] }>('POST', '/v1/validate', c),
  fhirMap: (bundle: unknown) => request<{ case: CaseDoc; report: Json }>('POST', '/v1/fhir/map', bundle),
  demoCases: () => request<DemoCase[]>('GET', '/v1/demo-cases'),
  knowledge: () => request<Knowledge>('GET', '/v1/knowledge'),
  model: (name: string) => request<string>('GET', `/v1/knowledge/models/${encodeURIComponent(name)}`),
  cases: (query: CaseQuery = {}) => {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v) as [string, string][]).toString();
    return request<{ cases: CaseSummary[] }>('GET', `/v1/cases${qs ? `?${qs}` : ''}`);
  },
  getCase: (id: string, revision?: number) =>
    request<StoredCase>('GET', `/v1/cases/${encodeURIComponent(id)}${revision ? `?revision=${revision}` : ''}`),
  createCase: (c: CaseDoc) => request<StoredCase>('POST', '/v1/cases', c),
  updateCase: (id: string, c: CaseDoc) => request<StoredCase>('PUT', `/v1/cases/${encodeURIComponent(id)}`, c),
  revisions: (id: string) =>
    request<{ revisions: { revision: number; created_at: string; created_by: string }[] }>('GET', `/v1/cases/${encodeURIComponent(id)}/revisions`),
  evaluations: (id: string) => request<{ evaluations: Evaluation[] }>('GET', `/v1/cases/${encodeURIComponent(id)}/evaluations`),
  reevaluate: (id: string) => request<Evaluation>('POST', `/v1/cases/${encodeURIComponent(id)}/evaluations`),
  replay: (id: string, eid: string | number) =>
    request<{ identical: boolean; stored_knowledge_version: string; current_knowledge_version: string; recommendation: Recommendation }>(
      'POST', `/v1/cases/${encodeURIComponent(id)}/evaluations/${encodeURIComponent(String(eid))}/replay`),
  decide: (id: string, d: DecisionInput) => request<Decision>('POST', `/v1/cases/${encodeURIComponent(id)}/decision`, d),
  decisions: (id: string) => request<{ decisions: Decision[] }>('GET', `/v1/cases/${encodeURIComponent(id)}/decisions`),
  meetings: () => request<{ meetings: MeetingSummary[] }>('GET', '/v1/meetings'),
  meeting: (id: string) => request<Meeting>('GET', `/v1/meetings/${encodeURIComponent(id)}`),
  createMeeting: (m: MeetingInput) => request<Meeting>('POST', '/v1/meetings', m),
  updateMeeting: (id: string, m: MeetingInput) => request<Meeting>('PUT', `/v1/meetings/${encodeURIComponent(id)}`, m),
  // null when the case was entered by hand (404); other failures are thrown.
  async caseSource(id: string): Promise<CaseSource | null> {
    try {
      return await request<CaseSource>('GET', `/v1/cases/${encodeURIComponent(id)}/source`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  },
  audit: (id: string) => request<{ entries: AuditEntry[] }>('GET', `/v1/cases/${encodeURIComponent(id)}/audit`),
};

// The catalogue may come as an array of options with ids or as an object keyed by id.
export function normalizeKnowledge(raw: any): Knowledge {
  let options: CatalogueOption[] = [];
  const o = raw?.options;
  if (Array.isArray(o)) options = o;
  else if (o && typeof o === 'object') {
    const inner = o.options && typeof o.options === 'object' && !Array.isArray(o.options) ? o.options : o;
    options = Object.entries(inner).map(([id, v]) => ({ id, ...(v as object) } as CatalogueOption));
  }
  return {
    version: raw?.version ?? raw?.knowledge_version ?? '',
    date: raw?.date,
    models: Array.isArray(raw?.models) ? raw.models : [],
    options,
    citations: raw?.citations ?? {},
  };
}

let knowledgeCache: Promise<Knowledge> | null = null;
export function loadKnowledge(): Promise<Knowledge> {
  if (!knowledgeCache) {
    knowledgeCache = api.knowledge().then(normalizeKnowledge).catch((e) => { knowledgeCache = null; throw e; });
  }
  return knowledgeCache;
}

export const canWrite = (u: User | null) => !!u && u.role !== 'viewer';
export const canDecide = (u: User | null) => !!u && u.role === 'clinician';

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 403) return 'Your role does not allow this.';
    const first = e.problem.errors?.[0];
    return e.problem.detail || (first ? `${first.path}: ${first.message}` : e.message);
  }
  return e instanceof Error ? e.message : String(e);
}
