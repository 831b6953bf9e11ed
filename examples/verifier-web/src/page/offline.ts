// Offline mode: everything is read from files the user picks and verified in this page
// with @tradewind/verifier on WebCrypto. Nothing is sent anywhere.
import {
  type CredentialVerificationResult,
  createVerifier,
  type PresentationVerificationResult,
  parsePolicy,
  type RecognitionPolicy,
} from '@tradewind/verifier';
import { readInput, statusListUrl } from './read-input.js';
import { type CredentialView, el, showVerdict, type VerdictView } from './result-view.js';

interface Loaded {
  policy?: { name: string; text: string };
  lists: Array<{ name: string; text: string }>;
  status: Map<string, { name: string; text: string }>;
  problems: Array<{ code: string; message: string }>;
}

/** Wires the offline form; called once, when the offline tab is first opened. */
export async function setUpOffline(): Promise<void> {
  // The status list codec the verifier loads on first use: loaded now, so that nothing is
  // fetched once the page says it is ready.
  await import('@tradewind/core/status-list');
  const result = byId('offline-result');
  const state = byId('offline-state');
  state.textContent = 'Verifier loaded: what you check here stays in this page.';
  state.dataset.ready = 'true';

  byId<HTMLInputElement>('offline-input-file').addEventListener('change', async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) byId<HTMLTextAreaElement>('offline-input').value = await file.text();
  });
  for (const id of ['policy-file', 'list-files', 'status-files']) {
    byId(id).addEventListener('change', () => void readTrustFiles().then(listLoaded));
  }

  byId<HTMLFormElement>('offline-form').addEventListener('submit', (event) => {
    event.preventDefault();
    showVerdict(result, { label: 'VERIFYING', tone: 'neutral', errors: [], warnings: [], credentials: [], note: 'Verifying…' });
    void readTrustFiles()
      .then((loaded) => {
        listLoaded(loaded);
        return verify(loaded);
      })
      .then((verdict) => showVerdict(result, verdict));
  });
}

async function verify(loaded: Loaded): Promise<VerdictView> {
  const text = byId<HTMLTextAreaElement>('offline-input').value;
  if (text.trim() === '') return refused([{ code: 'MALFORMED', message: 'nothing to verify: paste a credential or load a file' }]);
  let policy: RecognitionPolicy | undefined;
  if (loaded.policy) {
    try {
      policy = parsePolicy(JSON.parse(loaded.policy.text));
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'MALFORMED';
      return refused(
        [{ code, message: `policy ${loaded.policy.name}: ${(e as Error).message}` }],
        'The policy file was not accepted; nothing was verified.',
      );
    }
  }
  const verifier = createVerifier({
    ...(policy ? { policy, recognitionLists: loaded.lists.map((l) => l.text.trim()) } : {}),
    status: { lists: Object.fromEntries([...loaded.status].map(([url, f]) => [url, f.text.trim()])) },
  });
  const input = readInput(text);
  const nonce = byId<HTMLInputElement>('nonce').value.trim();
  const audience = byId<HTMLInputElement>('audience').value.trim();
  const notes: string[] = [];
  if (!policy) notes.push('No recognition policy loaded: the issuer was checked against no list.');
  if (loaded.problems.length > 0) notes.push(loaded.problems.map((p) => `${p.code}: ${p.message}`).join('; '));
  if (input.kind === 'presentation') {
    if (!nonce) notes.push('No expected nonce given: this presentation could be a replay.');
    const r = await verifier.verifyPresentation(input.value, {
      ...(nonce ? { nonce } : {}),
      ...(audience ? { audience } : {}),
    });
    return presentationVerdict(r, notes);
  }
  return credentialVerdict(await verifier.verifyCredential(input.value), notes);
}

function credentialVerdict(r: CredentialVerificationResult, notes: string[]): VerdictView {
  if (!r.verified) return refused(r.errors, notes.join(' '));
  return { label: 'VERIFIED', tone: 'ok', errors: [], warnings: r.warnings, credentials: [credentialView(r)], ...note(notes) };
}

function presentationVerdict(r: PresentationVerificationResult, notes: string[]): VerdictView {
  if (!r.verified) return refused(r.errors, notes.join(' '));
  const warnings = [...r.warnings, ...r.credentials.flatMap((c) => c.warnings)];
  return {
    label: 'VERIFIED',
    tone: 'ok',
    errors: [],
    warnings,
    holder: r.holder,
    credentials: r.credentials.map(credentialView),
    ...note(notes),
  };
}

/** SD-JWT registered claims, not facts about the subject. */
const REGISTERED = new Set(['iss', 'sub', 'iat', 'nbf', 'exp', 'cnf', 'vct', 'vct#integrity', 'status', 'jti', 'aud']);

function credentialView(r: Extract<CredentialVerificationResult, { verified: true }>): CredentialView {
  const view: CredentialView = { issuer: r.issuer, format: r.format, claims: {} };
  if (r.recognition) view.recognition = r.recognition;
  if (r.validUntil) view.validUntil = r.validUntil.toISOString();
  if (r.format === 'dc+sd-jwt') {
    view.types = [r.vct];
    view.claims = Object.fromEntries(Object.entries(r.claims).filter(([k]) => !REGISTERED.has(k)));
  } else {
    const types = r.credential.type;
    view.types = Array.isArray(types) ? types : [String(types)];
    const subject = r.credential.credentialSubject;
    const first = (Array.isArray(subject) ? subject[0] : subject) ?? {};
    view.claims = first as Record<string, unknown>;
  }
  return view;
}

function refused(errors: VerdictView['errors'], message?: string): VerdictView {
  return { label: 'REFUSED', tone: 'bad', errors, warnings: [], credentials: [], ...(message ? { note: message } : {}) };
}

function note(notes: string[]): { note?: string } {
  return notes.length > 0 ? { note: notes.join(' ') } : {};
}

/** The trust files as they are now (read at every Verify, so a file replaced on disk is read again). */
async function readTrustFiles(): Promise<Loaded> {
  const loaded: Loaded = { lists: [], status: new Map(), problems: [] };
  const [policy] = await readAll(byId<HTMLInputElement>('policy-file').files);
  if (policy) loaded.policy = policy;
  loaded.lists = await readAll(byId<HTMLInputElement>('list-files').files);
  for (const file of await readAll(byId<HTMLInputElement>('status-files').files)) {
    const url = statusListUrl(file.text);
    if (url === undefined)
      loaded.problems.push({ code: 'MALFORMED', message: `${file.name} is not a status list credential naming its URL` });
    else loaded.status.set(url, file);
  }
  return loaded;
}

function listLoaded(loaded: Loaded): void {
  const items: HTMLElement[] = [];
  if (loaded.policy) items.push(el('li', {}, `Policy: ${loaded.policy.name}`));
  for (const l of loaded.lists) items.push(el('li', {}, `Recognition list: ${l.name}`));
  for (const [url, f] of loaded.status) items.push(el('li', { class: 'status-map' }, `Status list ${url} ← ${f.name}`));
  for (const p of loaded.problems) items.push(el('li', {}, `${p.code}: ${p.message}`));
  byId('loaded-files').replaceChildren(...items);
}

async function readAll(files: FileList | null): Promise<Array<{ name: string; text: string }>> {
  return Promise.all(
    [...(files ?? [])].map(async (f) => {
      try {
        return { name: f.name, text: await f.text() };
      } catch {
        // A file changed on disk since it was chosen: it must be chosen again.
        return { name: f.name, text: '' };
      }
    }),
  );
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}
