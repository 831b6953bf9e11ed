import { type ErrorCode, TradewindError } from '@tradewind/core';
import { chooseCandidates, type ParsedPresentationRequest, type PresentationCandidate, type PresentedCredential } from '@tradewind/wallet';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { printResult } from '../output.js';
import { escapeForTerminal } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';
import { COMMON_HELP, DB_HELP, DB_OPTIONS, withWallet } from './wallet-db.js';

/** Longest answer read at the prompt. */
const MAX_ANSWER_BYTES = 1024;

/** Who asks: the verifier as its request names it. */
interface VerifierSummary {
  clientId: string;
  name?: string;
  responseUri: string;
  host: string;
}

/** `--json` output of `wallet respond`. */
interface RespondOutput {
  accepted: boolean;
  code?: ErrorCode;
  presented: PresentedCredential[];
  verifier: VerifierSummary;
  message?: string;
}

export const respond: Command = {
  name: 'respond',
  summary: "Answer a verifier's OpenID4VP request (shows what is disclosed, asks first)",
  usage: `Usage: tradewind wallet respond <request-uri> [options]

Reads an OpenID4VP 1.0 request (openid4vp://?..., or an https:// link with the same
parameters) and shows the verifier, each credential it asks for, the credential this
wallet would present and every claim that would be disclosed with its value. An SD-JWT
VC shows only the claims asked for; a JWT or Data Integrity credential is shown whole.
Asks "Present these? [y/N]" on a terminal; --yes consents without asking. Answering no
tells the verifier the holder declined.

Options:
${DB_HELP}
  --wallet FILE            the same as --db
  --yes                    consent without a prompt (required when stdin is not a terminal)
  --choose QUERY=ID        present credential ID for the credential query QUERY (repeatable)
  --allow-insecure-http    accept an http:// verifier on any host (tests only; 127.0.0.1 and localhost always are)
${COMMON_HELP}

Exit status: 0 the verifier accepted; 1 it refused (its code on stderr), the holder
declined (DECLINED), the wallet holds nothing it asks for (QUERY_UNSATISFIED, nothing
sent), or the request is not one this wallet answers (REQUEST_UNKNOWN, MALFORMED);
2 usage error (bad arguments, no terminal and no --yes).
--json prints { accepted, code?, presented, verifier }.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...DB_OPTIONS,
      wallet: { type: 'string' },
      yes: { type: 'boolean' },
      choose: { type: 'string', multiple: true },
      'allow-insecure-http': { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('wallet respond needs one request URI');
    if (values.db !== undefined && values.wallet !== undefined && values.db !== values.wallet)
      throw new UsageError('--wallet and --db name different files');
    const db = { ...values, db: values.db ?? values.wallet };
    const uri = positionals[0] as string;
    const choose = parseChoices(values.choose ?? []);
    const consent = values.yes === true;
    if (!consent && io.stdinIsTerminal !== true) throw new UsageError('no terminal to ask on: pass --yes to consent without a prompt');
    const insecure = values['allow-insecure-http'] === true;
    return withWallet(db, io, async (wallet) => {
      const request = await wallet.parsePresentationRequest(uri, { allowInsecureHttp: insecure });
      const verifier = verifierOf(request);
      const finish = (output: RespondOutput, human: string[], exit: number) => {
        printResult(io, values.json, output, () => human.join('\n'));
        if (output.code) io.stderr(`${output.code}: ${escapeForTerminal(output.message ?? '')}\n`);
        return exit as 0 | 1;
      };
      const match = await wallet.matchPresentationRequest(request);
      let plan: Map<string, PresentationCandidate>;
      try {
        plan = chooseCandidates(request, match, choose);
      } catch (e) {
        if (!(e instanceof TradewindError) || e.code !== 'QUERY_UNSATISFIED') throw e;
        const lines = [
          ...renderVerifier(verifier),
          ...renderUnanswered(match.queries.filter((q) => q.candidates.length === 0).map((q) => q.queryId)),
        ];
        return finish({ accepted: false, code: 'QUERY_UNSATISFIED', presented: [], verifier, message: e.message }, lines, EXIT.NEGATIVE);
      }
      const summary = [...renderVerifier(verifier), ...renderPlan(plan, match.queries)];
      if (!consent) {
        // Each line escaped its untrusted parts already; escaping the whole would print the line breaks as \n.
        io.stderr(`${summary.join('\n')}\nPresent these? [y/N] `);
        const answer = await readLine(io);
        if (!/^\s*y(es)?\s*$/i.test(answer)) {
          await wallet.declinePresentationRequest(request, { allowInsecureHttp: insecure });
          return finish(
            { accepted: false, code: 'DECLINED', presented: [], verifier, message: 'the holder declined; the verifier was told' },
            ['declined: nothing was presented'],
            EXIT.NEGATIVE,
          );
        }
      }
      const chosen = Object.fromEntries([...plan].map(([queryId, c]) => [queryId, c.credential.id]));
      const answer = await wallet.respondToPresentationRequest(request, { choose: chosen, allowInsecureHttp: insecure });
      const description = typeof answer.body.error_description === 'string' ? answer.body.error_description : `HTTP ${answer.httpStatus}`;
      const output: RespondOutput = {
        accepted: answer.accepted,
        ...(answer.code === undefined ? {} : { code: answer.code, message: `the verifier refused: ${description}` }),
        presented: answer.presented,
        verifier,
      };
      const verdict = answer.accepted ? 'ACCEPTED by the verifier' : `REFUSED by the verifier: ${answer.code}`;
      return finish(output, [...(consent ? summary : []), verdict], answer.accepted ? EXIT.OK : EXIT.NEGATIVE);
    });
  },
};

/** `--choose QUERY=ID` flags as a map; a malformed or repeated query is a usage error. */
function parseChoices(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const flag of flags) {
    const at = flag.indexOf('=');
    const query = flag.slice(0, at);
    const id = flag.slice(at + 1);
    if (at <= 0 || id === '') throw new UsageError(`--choose takes QUERY=CREDENTIAL_ID, got ${JSON.stringify(flag)}`);
    if (query in out) throw new UsageError(`--choose names the query ${JSON.stringify(query)} twice`);
    out[query] = id;
  }
  return out;
}

function verifierOf(request: ParsedPresentationRequest): VerifierSummary {
  return {
    clientId: request.clientId,
    ...(request.verifierName === undefined ? {} : { name: request.verifierName }),
    responseUri: request.responseUri,
    host: new URL(request.responseUri).host,
  };
}

function renderVerifier(v: VerifierSummary): string[] {
  return [
    `Verifier: ${escapeForTerminal(v.name ?? v.host)}${v.name === undefined ? '' : ' (the name is its own claim)'}`,
    `  client_id: ${escapeForTerminal(v.clientId)}`,
    `  answers go to: ${escapeForTerminal(v.host)}`,
  ];
}

function renderPlan(plan: Map<string, PresentationCandidate>, queries: ReadonlyArray<{ queryId: string; format: string }>): string[] {
  const lines: string[] = [];
  for (const [queryId, candidate] of plan) {
    const c = candidate.credential;
    const format = queries.find((q) => q.queryId === queryId)?.format ?? c.format;
    const type = c.types.filter((t) => t !== 'VerifiableCredential').join(',') || 'VerifiableCredential';
    lines.push(`Asks for ${escapeForTerminal(queryId)} (${escapeForTerminal(format)}):`);
    lines.push(`  credential: ${c.id}`);
    lines.push(`    type: ${escapeForTerminal(type)}  format: ${c.format}  issuer: ${escapeForTerminal(c.issuer)}`);
    lines.push(c.format === 'dc+sd-jwt' ? '  discloses:' : '  discloses the whole credential, including:');
    if (candidate.disclose.length === 0) lines.push('    (only the claims every presentation shows)');
    for (const d of candidate.disclose)
      lines.push(`    ${escapeForTerminal(d.path.join('.'))}: ${escapeForTerminal(JSON.stringify(d.value) ?? 'null')}`);
    if (candidate.withheld && candidate.withheld.length > 0) lines.push(`  withholds ${candidate.withheld.length} other claims`);
  }
  return lines;
}

function renderUnanswered(queryIds: readonly string[]): string[] {
  return [`This wallet holds nothing valid for: ${queryIds.map(escapeForTerminal).join(', ')}. Nothing was sent.`];
}

/** One line from stdin (the answer to the prompt), at most {@link MAX_ANSWER_BYTES}. */
async function readLine(io: Io): Promise<string> {
  const bytes: number[] = [];
  for await (const chunk of io.stdin()) {
    for (const b of chunk) {
      if (b === 0x0a || bytes.length >= MAX_ANSWER_BYTES) return Buffer.from(bytes).toString('utf8');
      bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
