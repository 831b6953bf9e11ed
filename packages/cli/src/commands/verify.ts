import type { VerificationIssue } from '@tradewind/core';
import {
  type CredentialVerificationResult,
  type PresentationVerificationResult,
  type VerifyPresentationOptions,
  verifyCredential,
  verifyPresentation,
} from '@tradewind/verifier';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { parseIsoTime } from '../iso-time.js';
import { printResult } from '../output.js';
import { READ_LIMITS, readInput, readTextInput } from '../read-input.js';
import { UsageError } from '../usage-error.js';
import { DATA_INTEGRITY_FLAGS, DATA_INTEGRITY_USAGE, loadDataIntegrityFlags } from '../verify/data-integrity-flags.js';
import { classifyInput, sdJwtForm } from '../verify/detect-input.js';
import { loadPolicyFile } from '../verify/policy-file.js';
import { loadStatusSources, withStatusHint } from '../verify/status-list-flags.js';
import { renderSummary } from '../verify/summary.js';

const USAGE = `Usage: tradewind verify <file|-> [options]

Verifies a credential or presentation offline: signature, issuer key, validity
period, and the recognition policy. The input (a file, or - for stdin) is a compact
JWT, JSON (a JSON-LD credential with a Data Integrity proof included), or an SD-JWT
VC; a presentation (vp+jwt, a JWT with a vp claim, or JSON of
type VerifiablePresentation) is verified together with every credential it carries.

An SD-JWT VC (dc+sd-jwt or vc+sd-jwt: <jwt>~<disclosure>~...~) is verified with every
disclosure it carries, and the summary lists what was disclosed and how many digests
were not. With a key-binding JWT after the last ~ it is a presentation: the key
binding is checked (signed by the cnf key, sd_hash, at most 5 minutes old) and so are
--nonce and --audience. Given --nonce or --audience, an SD-JWT without a key-binding
JWT fails with HOLDER_BINDING.

Options:
  --policy FILE            recognition policy (JSON): trusted issuers, trust anchors and
                           their recognition list files, accept rules (see the verifier README)
  --status-list URL=FILE   local copy of the status list credential (or, for an SD-JWT
                           VC, the statuslist+jwt token) published at URL (repeatable);
                           a credential whose status list is not given fails with
                           STATUS_UNAVAILABLE
  --status-dir DIR         the folder 'tradewind status publish --out DIR' wrote: every
                           list its status-lists.json names (--status-list wins for a URL
                           given both ways)
  --now ISO                evaluate at this time instead of now, RFC 3339 with seconds and
                           a zone: 2027-01-31T12:00:00Z or 2027-01-31T08:00:00-04:00
  --trusted-certificate FILE
                           an X.509 certificate (PEM, or DER) that anchors SD-JWT VC
                           issuers' x5c chains (repeatable): a chain ending at it is
                           trusted for the issuer its leaf's subjectAltName names
${DATA_INTEGRITY_USAGE}
  --nonce N                the presentation (or SD-JWT key binding) must carry this nonce
  --audience A             the presentation (or SD-JWT key binding) must be addressed to A
  --json                   print the verification result as JSON
  -h, --help               show this help

Without --policy, any issuer whose signature verifies is accepted; the summary says
so, and whether the credential's status was checked.

Exit status: 0 verified, 1 not verified (errors listed with their codes),
2 usage error (bad flags, unreadable input or policy file, a file over the size
limit: LIMIT_EXCEEDED, invalid --now).`;

/** `tradewind verify`: the verifier's verdict on one credential or presentation. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Verify a credential or presentation offline',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      policy: { type: 'string' },
      'status-list': { type: 'string', multiple: true },
      'status-dir': { type: 'string' },
      now: { type: 'string' },
      nonce: { type: 'string' },
      audience: { type: 'string' },
      'trusted-certificate': { type: 'string', multiple: true },
      ...DATA_INTEGRITY_FLAGS,
    });
    if (positionals.length !== 1) {
      throw new UsageError(positionals.length === 0 ? 'verify needs a file to verify, or - for stdin' : 'verify takes one file at a time');
    }
    const options: VerifyPresentationOptions = {};
    if (values.now !== undefined) options.now = parseIsoTime(values.now, '--now');
    if (values.policy !== undefined) Object.assign(options, await loadPolicyFile(values.policy, io));
    const lists = await loadStatusSources(values, io);
    const statusGiven = lists !== undefined;
    if (lists) options.status = { lists };
    if (values.nonce !== undefined) options.nonce = values.nonce;
    if (values.audience !== undefined) options.audience = values.audience;
    const certificates = values['trusted-certificate'] ?? [];
    if (certificates.length > 0) options.trustedCertificates = await loadCertificates(certificates, io);
    const dataIntegrity = await loadDataIntegrityFlags(values, io);
    if (dataIntegrity) options.dataIntegrity = dataIntegrity;

    const input = (await readTextInput(positionals[0] as string, io, 'input', READ_LIMITS.credential)).trim();
    let result: CredentialVerificationResult | PresentationVerificationResult;
    // An SD-JWT asked for a nonce or audience must come with its key binding: the
    // presentation path says HOLDER_BINDING when it does not.
    const sdJwt = sdJwtForm(input);
    const bound = sdJwt && (options.nonce !== undefined || options.audience !== undefined);
    if (bound || classifyInput(input) === 'presentation') result = await verifyPresentation(input, options);
    else result = requireBinding(await verifyCredential(input, options), options);
    // A status list that was not given is named with how to give it, whether the policy
    // made that an error or (onUnavailable: warn) a warning the summary shows as NOT CHECKED.
    if (!result.verified) result = { ...result, errors: result.errors.map((e) => withStatusHint(e, statusGiven)) };
    else {
      const hint = (warnings: VerificationIssue[]) => warnings.map((w) => withStatusHint(w, statusGiven));
      result =
        'credentials' in result
          ? ({
              ...result,
              warnings: hint(result.warnings),
              credentials: result.credentials.map((c) => ({ ...c, warnings: hint(c.warnings) })),
            } as typeof result)
          : { ...result, warnings: hint(result.warnings) };
    }

    printResult(io, values.json, result, () => renderSummary(result, { policy: values.policy !== undefined }));
    return result.verified ? EXIT.OK : EXIT.NEGATIVE;
  },
};

/** Each --trusted-certificate file: PEM text as it is, DER as base64 (what the verifier takes). */
async function loadCertificates(paths: readonly string[], io: Io): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    const bytes = await readInput(path, io, { what: '--trusted-certificate', maxBytes: READ_LIMITS.certificate });
    const text = bytes.toString('latin1');
    if (text.includes('-----BEGIN CERTIFICATE-----')) out.push(bytes.toString('utf8'));
    else if (bytes[0] === 0x30) out.push(bytes.toString('base64'));
    else throw new UsageError(`--trusted-certificate ${path} is neither a PEM certificate nor DER`);
  }
  return out;
}

/**
 * A bare credential carries no nonce or audience. When the caller asked for either,
 * it expects a presentation bound to this exchange; accepting a credential instead
 * would let a replayed copy pass, so the answer is no.
 */
function requireBinding(result: CredentialVerificationResult, options: VerifyPresentationOptions): CredentialVerificationResult {
  const missing: VerificationIssue[] = [];
  if (options.nonce !== undefined) {
    missing.push({ code: 'NONCE_MISMATCH', message: '--nonce was given but the input is a credential, not a presentation' });
  }
  if (options.audience !== undefined) {
    missing.push({ code: 'AUDIENCE_MISMATCH', message: '--audience was given but the input is a credential, not a presentation' });
  }
  if (missing.length === 0) return result;
  return {
    verified: false,
    ...(result.format ? { format: result.format } : {}),
    errors: [...(result.verified ? [] : result.errors), ...missing],
  };
}
