// Renders a verdict (online outcome or offline result) with DOM text nodes only: every
// value shown comes from a credential or a wallet and is never parsed as markup.

/** What the page shows about one credential. */
export interface CredentialView {
  issuer: string;
  format?: string;
  types?: string[];
  recognition?: { source?: string; country?: string; name?: string; assuranceLevel?: string; anchor?: string };
  claims: Record<string, unknown>;
  validUntil?: string;
}

/** A verdict: ACCEPTED / VERIFIED (ok), REFUSED (every error), or a neutral state (expired). */
export interface VerdictView {
  label: string;
  tone: 'ok' | 'bad' | 'neutral';
  errors: Array<{ code: string; message: string }>;
  warnings: Array<{ code: string; message: string }>;
  holder?: string;
  credentials: CredentialView[];
  note?: string;
}

const COUNTRY_NAMES = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(['en'], { type: 'region' }) : undefined;

/** Replaces the region's content with the verdict. */
export function showVerdict(region: HTMLElement, verdict: VerdictView): void {
  const parts: Node[] = [];
  parts.push(el('p', { class: `verdict ${verdict.tone}`, 'data-verdict': verdict.label }, verdict.label));
  if (verdict.note) parts.push(el('p', { class: 'note' }, verdict.note));
  if (verdict.errors.length > 0) parts.push(issueList('errors', verdict.errors));
  if (verdict.holder) parts.push(el('p', {}, `Holder: ${verdict.holder}`));
  for (const credential of verdict.credentials) parts.push(credentialSection(credential));
  if (verdict.warnings.length > 0) {
    parts.push(el('h3', {}, 'Warnings'));
    parts.push(issueList('warnings', verdict.warnings));
  }
  region.replaceChildren(...parts);
}

function issueList(kind: string, issues: VerdictView['errors']): HTMLElement {
  const list = el('ul', { class: kind });
  for (const issue of issues) {
    const item = el('li', {});
    item.append(el('span', { class: 'code' }, issue.code), document.createTextNode(` ${issue.message}`));
    list.append(item);
  }
  return list;
}

function credentialSection(c: CredentialView): HTMLElement {
  const section = el('section', { class: 'credential' });
  const r = c.recognition;
  const country = r?.country ? `${COUNTRY_NAMES?.of(r.country) ?? r.country} (${r.country})` : undefined;
  const who = r?.name ?? c.issuer;
  section.append(el('p', { class: 'issuer' }, country ? `${who}, ${country}` : who));
  const facts = el('dl', { class: 'claims facts' });
  add(facts, 'Issuer', c.issuer);
  if (country) add(facts, 'Country', country);
  if (r?.name) add(facts, 'Issuer name', r.name);
  if (r?.assuranceLevel) add(facts, 'Assurance level', r.assuranceLevel);
  add(
    facts,
    'Recognised',
    r ? (r.source === 'local' ? 'trusted locally' : `by the list of ${r.anchor ?? 'an anchor'}`) : 'no policy applied',
  );
  if (c.types?.length) add(facts, 'Type', c.types.filter((t) => t !== 'VerifiableCredential').join(', '));
  if (c.format) add(facts, 'Format', c.format);
  if (c.validUntil) add(facts, 'Valid until', c.validUntil);
  section.append(facts);
  section.append(el('h3', {}, 'Claims'));
  const claims = el('dl', { class: 'claims disclosed' });
  const flat = flatten(c.claims).sort(([a], [b]) => rank(a) - rank(b));
  if (flat.length === 0) section.append(el('p', { class: 'note' }, 'No claim about the subject.'));
  for (const [name, value] of flat) add(claims, name, value);
  if (flat.length > 0) section.append(claims);
  return section;
}

/** The order a person reads an ID in; other claims follow in their own order. */
const READING_ORDER = ['given_name', 'givenName', 'family_name', 'familyName', 'birthdate', 'birthDate', 'age_over_18', 'nationality'];
const rank = (name: string) => {
  const i = READING_ORDER.indexOf(name.split('.')[0]!);
  return i === -1 ? READING_ORDER.length : i;
};

/** Nested claims as dotted names (`address.locality`); arrays of plain values joined. */
function flatten(value: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, v] of Object.entries(value)) {
    const name = prefix + key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v as Record<string, unknown>, `${name}.`));
    else if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) out.push([name, v.join(', ')]);
    else out.push([name, typeof v === 'string' ? v : JSON.stringify(v)]);
  }
  return out;
}

function add(list: HTMLElement, term: string, value: string): void {
  list.append(el('dt', {}, term), el('dd', {}, value));
}

/** An element with attributes and text content. */
export function el(tag: string, attributes: Record<string, string>, text?: string): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}
