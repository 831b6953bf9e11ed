import { type CredentialView, el, showVerdict, type VerdictView } from './result-view.js';

interface Issue {
  code: string;
  message: string;
}
/** `GET /api/requests/:id`, as the server sends it. */
interface SessionState {
  status: 'pending' | 'accepted' | 'refused' | 'expired';
  expiresAt: string;
  outcome?: {
    status: 'accepted' | 'refused';
    errors: Issue[];
    warnings: Issue[];
    holder?: string;
    credentials: Array<CredentialView & { need?: string; queryId?: string }>;
  };
}

const POLL_MS = 1000;

/**
 * Online mode: a new OpenID4VP request per click (QR code and link), its state polled
 * every second until the wallet has answered or the request has expired.
 */
export function setUpOnline(): void {
  const form = byId<HTMLFormElement>('request-form');
  const select = byId<HTMLSelectElement>('profile');
  const result = byId('online-result');
  let current: { id: string; expiresAt: number; timer?: ReturnType<typeof setTimeout> } | undefined;

  void fetchJson<{ profiles: Array<{ id: string; label: string }> }>('/api/config').then(
    (config) => {
      for (const p of config.profiles) select.append(new Option(p.label, p.id));
    },
    () => showVerdict(result, failure('The counter server does not answer.')),
  );

  byId('copy-link').addEventListener('click', () => void copyLink());

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (current?.timer) clearTimeout(current.timer);
    current = undefined;
    result.replaceChildren();
    void newRequest(select.value);
  });

  async function newRequest(profile: string): Promise<void> {
    let created: { id: string; uri: string; qrSvg: string; expiresAt: string };
    try {
      created = await fetchJson('/api/requests', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ profile }),
      });
    } catch (e) {
      showVerdict(result, failure(`The request could not be made: ${(e as Error).message}`));
      return;
    }
    showQr(created.qrSvg);
    byId<HTMLInputElement>('request-link').value = created.uri;
    byId('copy-state').textContent = '';
    byId('request').hidden = false;
    current = { id: created.id, expiresAt: Date.parse(created.expiresAt) };
    showVerdict(result, {
      label: 'WAITING',
      tone: 'neutral',
      errors: [],
      warnings: [],
      credentials: [],
      note: 'Waiting for the wallet to answer…',
    });
    poll(current);
  }

  function poll(request: NonNullable<typeof current>): void {
    tick(request);
    request.timer = setTimeout(async () => {
      if (current !== request) return;
      let state: SessionState;
      try {
        state = await fetchJson<SessionState>(`/api/requests/${encodeURIComponent(request.id)}`);
      } catch {
        // The server does not answer: keep asking until the request has expired anyway.
        if (Date.now() > request.expiresAt) finish({ status: 'expired', expiresAt: new Date(request.expiresAt).toISOString() });
        else poll(request);
        return;
      }
      if (current !== request) return;
      if (state.status === 'pending') {
        poll(request);
        return;
      }
      finish(state);
    }, POLL_MS);
  }

  function tick(request: NonNullable<typeof current>): void {
    const left = Math.max(0, Math.round((request.expiresAt - Date.now()) / 1000));
    byId('countdown').textContent = left > 0 ? `Expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}` : 'Expired';
  }

  function finish(state: SessionState): void {
    const countdown = byId('countdown');
    if (state.status === 'expired') {
      countdown.textContent = 'Expired';
      byId('request').hidden = true;
      showVerdict(result, {
        label: 'EXPIRED',
        tone: 'neutral',
        errors: [],
        warnings: [],
        credentials: [],
        note: 'No wallet answered in time; this request can no longer be answered. Make a new request.',
      });
      return;
    }
    countdown.textContent = 'Answered';
    byId('request').hidden = true;
    const outcome = state.outcome;
    const accepted = state.status === 'accepted' && outcome?.status === 'accepted';
    showVerdict(result, {
      label: accepted ? 'ACCEPTED' : 'REFUSED',
      tone: accepted ? 'ok' : 'bad',
      errors: outcome?.errors ?? [],
      warnings: outcome?.warnings ?? [],
      ...(outcome?.holder ? { holder: outcome.holder } : {}),
      credentials: accepted ? (outcome?.credentials ?? []) : [],
    });
  }
}

/** The server's QR code: parsed as SVG and inserted as elements (no markup evaluated). */
function showQr(svgText: string): void {
  const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = parsed.documentElement;
  const box = byId('qr');
  if (svg.nodeName !== 'svg' || svg.querySelector('script, foreignObject')) {
    box.replaceChildren(el('p', {}, 'QR code unavailable: use the link.'));
    return;
  }
  svg.setAttribute('aria-hidden', 'true');
  box.replaceChildren(document.importNode(svg, true));
}

async function copyLink(): Promise<void> {
  const input = byId<HTMLInputElement>('request-link');
  const state = byId('copy-state');
  try {
    await navigator.clipboard.writeText(input.value);
    state.textContent = 'Copied.';
  } catch {
    input.select();
    state.textContent = 'Selected: press Ctrl+C to copy.';
  }
}

function failure(message: string): VerdictView {
  return { label: 'ERROR', tone: 'bad', errors: [], warnings: [], credentials: [], note: message };
}

async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, cache: 'no-store' });
  const body = (await response.json()) as T & { message?: string };
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
  return body;
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}
