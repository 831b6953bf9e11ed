// `tradewind wallet present` and `show` for SD-JWT VCs (dc+sd-jwt): which claims a
// credential can show, and a presentation of the chosen ones.
import type { DisclosableClaim, SdJwtPresentation, StoredCredential } from '@tradewind/wallet';
import { escapeForTerminal } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';

/** The claims `--disclose` names: comma-separated, the flag repeatable; empty names are dropped. */
export function disclosedNames(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** A value on one line, shortened. */
function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return escapeForTerminal(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/** The usage error for an SD-JWT VC presented without `--disclose`: it lists what can be chosen. */
export function chooseClaims(credential: StoredCredential): UsageError {
  const names = (credential.disclosable ?? []).map((c) => c.path);
  return new UsageError(
    `credential ${credential.id} is an SD-JWT VC: choose the claims to show with --disclose (comma-separated; --disclose '' shows only the claims always shown). It can disclose: ${names.join(', ') || 'nothing'}`,
  );
}

/** What `wallet show` adds for an SD-JWT VC (on stderr): its vct, the claims always shown, each disclosable claim. */
export function renderSdJwtClaims(credential: StoredCredential): string {
  const lines = [
    `SD-JWT VC  vct ${escapeForTerminal(credential.vct ?? '?')}  issuer ${escapeForTerminal(credential.issuer)}`,
    `always shown: ${(credential.alwaysShown ?? []).map((c) => escapeForTerminal(c.path)).join(', ')}`,
    'disclosable (--disclose takes the path, the bare name of a top-level claim, or a dotted path):',
    ...(credential.disclosable ?? []).map((c: DisclosableClaim) => {
      const where = c.parent === undefined ? '' : `  (inside ${escapeForTerminal(c.parent)})`;
      return `  ${escapeForTerminal(c.path).padEnd(28)} ${short(c.value)}${where}`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

/** What `wallet present` reports on stderr beside an SD-JWT presentation: what was shown and what was withheld. */
export function renderDisclosure(result: SdJwtPresentation): string {
  const paths = (list: ReadonlyArray<{ path: string }>) => list.map((c) => escapeForTerminal(c.path)).join(', ') || 'nothing';
  return `disclosed: ${paths(result.disclosed)}\nwithheld: ${paths(result.withheld)}\nalways shown: ${result.alwaysShown.map(escapeForTerminal).join(', ')}\n`;
}
