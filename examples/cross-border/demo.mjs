// Cross-border recognition, end to end and offline, on the embedded SQLite default:
// a regional trust anchor signs a list of accredited issuing authorities; Trinidad and
// Tobago's registry issues a national ID into a citizen's wallet; a bank in Barbados
// and a border post in Jamaica verify her presentation against their own policies,
// with nothing but signatures, the regional list and the registry's published status list.
// Then the same ID as an SD-JWT VC (dc+sd-jwt): she shows the bank only her nationality
// and a Jamaican age check only that she is over 18. Last, the same ID as a Data Integrity
// credential (di, eddsa-rdfc-2022), presented to the Barbados border with challenge and domain.
// And the bank asks once more as a web service would, over OpenID4VP 1.0 (a DCQL query made
// from its policy, answered by direct_post to its server on 127.0.0.1): accepted once, a
// replay of that answer refused, and a second request that Asha declines.
//
// Run from the repository root after setup: `pnpm demo` (or `node examples/cross-border/demo.mjs`).
// The databases and published files live in a temporary folder that is deleted at the
// end; `--keep` (`pnpm demo --keep`) or TRADEWIND_DEMO_KEEP=1 keeps it and says where.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openIssuer } from '@tradewind/issuer';
import { credentialNeedsFromPolicy, PresentationVerifier } from '@tradewind/openid4vp';
import { createVerifier } from '@tradewind/verifier';
import { openWallet } from '@tradewind/wallet';

const keep = process.argv.includes('--keep') || process.env.TRADEWIND_DEMO_KEEP === '1';
const dir = mkdtempSync(join(tmpdir(), 'tradewind-cross-border-'));
const published = join(dir, 'published');
const started = performance.now();
let failures = 0;

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (n, text) => console.log(`\n${bold(`${n}. ${text}`)}`);
const say = (text) => console.log(`   ${text}`);

/**
 * A DID as a person reads it: did:web names stay whole (they say who it is); the long
 * key-based identifiers keep their method, the first four and the last five characters
 * (`did:jwk:eyJr…Q0In0`), enough to tell two apart on screen.
 */
const short = (did) => {
  const m = /^(did:(?:key|jwk):)([A-Za-z0-9_-]{12,})$/.exec(did);
  return m ? `${m[1]}${m[2].slice(0, 4)}…${m[2].slice(-5)}` : did;
};
/** The same shortening for every key-based DID inside a message. */
const shortIn = (text) => text.replace(/did:(?:key|jwk):[A-Za-z0-9_-]{12,}/g, short);

/**
 * Prints a verifier's verdict, naming the verifier (`who`), and checks it is the one this
 * step expects. An acceptance shows whom the credential is about, as the teller or
 * officer would read it; a rejection says who rejected and why.
 */
function verdict(who, result, expected) {
  if (result.verified) {
    const c = result.credentials?.[0] ?? result;
    const r = c.recognition ?? {};
    const person = c.credential.credentialSubject ?? {};
    const name = [person.givenName, person.familyName].filter(Boolean).join(' ') || 'unnamed subject';
    say(`→ ACCEPTED by ${who}: ${name}, born ${person.birthDate ?? 'unknown'}`);
    say(`  ${c.credential.type.filter((t) => t !== 'VerifiableCredential').join(', ')} of ${short(c.subject)}`);
    say(`  issuer ${r.name} (${r.country}), assurance ${r.assuranceLevel}, recognised by list #${r.listSequence}`);
  } else {
    say(`→ REJECTED by ${who}:`);
    for (const e of result.errors) say(`  ${e.code}: ${shortIn(e.message)}`);
  }
  const got = result.verified ? 'ACCEPTED' : result.errors[0]?.code;
  if (got !== expected) {
    failures++;
    say(`!! expected ${expected}, got ${got}`);
  }
}

/**
 * What a verifier holds locally: a mirror of the registry's published status lists
 * (the manifest maps each URL the credentials name to its file): the Bitstring Status
 * Lists, and under `token/` the Token Status Lists of its SD-JWT VCs.
 */
function statusListsFrom(folder) {
  const lists = {};
  for (const sub of ['.', 'token']) {
    const manifestFile = join(folder, sub, 'status-lists.json');
    if (!existsSync(manifestFile)) continue;
    for (const m of JSON.parse(readFileSync(manifestFile, 'utf8'))) lists[m.url] = readFileSync(join(folder, sub, m.file), 'utf8');
  }
  return lists;
}

/** A JSON Pointer as a person reads it: `/address/locality` → `address.locality`. */
const claimName = (path) =>
  path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');

/** The order claims are read in on screen (the issuer shuffles its disclosures); others follow by name. */
const CLAIM_ORDER = ['given_name', 'family_name', 'birthdate', 'age_over_18', 'nationality', 'place_of_birth', 'address'];
const MEMBER_ORDER = ['street_address', 'locality', 'region', 'postal_code', 'country'];
const rank = (order, name) => (order.includes(name) ? order.indexOf(name) : order.length);
const byReadingOrder = (a, b) => {
  const [pa, ma = ''] = a.split('.');
  const [pb, mb = ''] = b.split('.');
  if (pa !== pb) return rank(CLAIM_ORDER, pa) - rank(CLAIM_ORDER, pb) || pa.localeCompare(pb);
  return rank(MEMBER_ORDER, ma) - rank(MEMBER_ORDER, mb) || ma.localeCompare(mb);
};

/**
 * Claim names, with the members of a nested claim after it in braces when they are
 * listed too: `given_name, address{street_address, locality, country}`.
 */
function claimList(paths) {
  const names = paths.map(claimName).sort(byReadingOrder);
  const out = [];
  for (const name of names) {
    const dot = name.indexOf('.');
    const parent = dot === -1 ? undefined : name.slice(0, dot);
    if (parent !== undefined && names.includes(parent)) continue;
    const members = names.filter((n) => n.startsWith(`${name}.`)).map((n) => n.slice(name.length + 1));
    out.push(members.length > 0 ? `${name}{${members.join(', ')}}` : name);
  }
  return out.join(', ') || 'nothing';
}

/** A claim value on one line. */
const shown = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * Prints a verifier's verdict on an SD-JWT VC presentation: on acceptance, what it
 * received (exactly the disclosed claims) and how many digests it holds no disclosure
 * for (withheld claims and decoys, which it cannot tell apart); else who rejected it and why.
 */
function sdJwtVerdict(who, result, expected) {
  if (result.verified) {
    const c = result.credentials[0];
    const r = c.recognition ?? {};
    say(`→ ACCEPTED by ${who}: ${c.vct} from ${r.name} (${r.country}), assurance ${r.assuranceLevel}, key-bound to the holder`);
    say(`  received: ${c.disclosed.map((d) => `${claimName(d.path)} = ${shown(d.value)}`).join('; ') || 'no claim'}`);
    say(`  ${c.undisclosed} digests without a disclosure (withheld claims and decoys look alike)`);
  } else {
    say(`→ REJECTED by ${who}:`);
    for (const e of result.errors) say(`  ${e.code}: ${shortIn(e.message)}`);
  }
  const got = result.verified ? 'ACCEPTED' : result.errors[0]?.code;
  if (got !== expected) {
    failures++;
    say(`!! expected ${expected}, got ${got}`);
  }
}

/** The holder's side of a presentation: what it shows and what it keeps back. */
function holderSide(p) {
  say(`Asha shows:     ${claimList(p.disclosed.map((d) => d.path))}`);
  say(`Asha withholds: ${claimList(p.withheld.map((w) => w.path))}`);
}

/**
 * A node:http server on 127.0.0.1 (port 0, never another interface) that hands each
 * request to the web-standard handler mounted at its path, as a bank's backend mounts
 * `PresentationVerifier.handle` at its response_uri.
 */
async function serveOnLoopback() {
  const routes = new Map();
  const server = createServer((req, res) => {
    (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const handle = routes.get(url.pathname);
      if (!handle) {
        res.writeHead(404).end();
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Readable.toWeb(req);
      const response = await handle(new Request(url, { method: req.method, headers, body, duplex: 'half' }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((e) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    mount: (path, handle) => routes.set(path, handle),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A long URI on one screen line: its start, and how long it is. */
const shortUri = (uri, keep = 96) => (uri.length <= keep ? uri : `${uri.slice(0, keep)}… (${uri.length} characters)`);

/**
 * Prints the verifier's session outcome for an OpenID4VP request and checks it is the one
 * this step expects: on acceptance, from whom (as the recognition list names the issuer)
 * and every claim the verifier learned; else its status and why.
 */
function sessionVerdict(who, view, expected) {
  const outcome = view?.outcome;
  if (view?.status === 'accepted' && outcome) {
    for (const c of outcome.credentials) {
      const r = c.recognition ?? {};
      say(
        `→ ACCEPTED by ${who} (session accepted): ${c.types.join(', ')} (${c.format}) from ${r.name} (${r.country}), assurance ${r.assuranceLevel}${r.source === 'list' ? ', recognised by the regional list' : ''}`,
      );
      const names = Object.keys(c.claims).sort(byReadingOrder);
      say(`  received: ${names.map((k) => `${k} = ${shown(c.claims[k])}`).join('; ') || 'no claim'}`);
    }
  } else {
    say(`→ REJECTED by ${who} (session ${view?.status ?? 'unknown'}):`);
    for (const e of outcome?.errors ?? []) say(`  ${e.code}: ${shortIn(e.message)}`);
  }
  const got = view?.status === 'accepted' ? 'ACCEPTED' : outcome?.errors[0]?.code;
  if (got !== expected) {
    failures++;
    say(`!! expected ${expected}, got ${got}`);
  }
}

let bankServer;
try {
  console.log(bold('Tradewind — cross-border recognition, offline'));
  say(`working files in ${dir}`);

  step(1, 'The regional trust anchor (a CARICOM trust authority) sets up its signing DID');
  const anchorDb = await openIssuer({ path: join(dir, 'caricom-anchor.db'), secret: 'anchor secret' });
  const anchor = await anchorDb.createDid();
  say(`anchor ${short(anchor.did)}`);

  step(2, 'Three member states’ issuing authorities set up theirs');
  const tt = await openIssuer({
    path: join(dir, 'tt-registry.db'),
    secret: 'tt secret',
    statusListBaseUrl: 'https://registry.gov.tt/status',
  });
  const ttDid = await tt.createDid({ method: 'web', domain: 'registry.gov.tt' });
  const bb = await openIssuer({ path: join(dir, 'bb-registration.db'), secret: 'bb secret' });
  const bbDid = await bb.createDid();
  const jm = await openIssuer({ path: join(dir, 'jm-registrar.db'), secret: 'jm secret' });
  const jmDid = await jm.createDid();
  say(`Trinidad and Tobago Registrar General  ${short(ttDid.did)}  (did:web: its key travels in the list)`);
  say(`Barbados Registration Department       ${short(bbDid.did)}`);
  say(`Jamaica Registrar General's Department ${short(jmDid.did)}`);

  step(3, 'The anchor signs recognition list #1 naming the accredited authorities');
  const entries = [
    {
      id: ttDid.did,
      country: 'TT',
      name: 'Registrar General, Trinidad and Tobago',
      credentialTypes: ['NationalIdCredential', 'BirthCertificateCredential'],
      assuranceLevel: 'substantial',
      keys: await tt.recognitionKeys(ttDid.did),
      status: { required: true },
    },
    {
      id: bbDid.did,
      country: 'BB',
      name: 'Barbados Registration Department',
      credentialTypes: ['NationalIdCredential'],
      assuranceLevel: 'high',
    },
    {
      id: jmDid.did,
      country: 'JM',
      name: "Registrar General's Department, Jamaica",
      credentialTypes: ['BirthCertificateCredential'],
      assuranceLevel: 'substantial',
    },
  ];
  const nextUpdate = new Date(Date.now() + 30 * 86_400_000);
  const list = await anchorDb.signRecognitionList({ sequence: 1, nextUpdate, name: 'CARICOM mutual recognition', entries });
  writeFileSync(join(dir, 'caricom-recognition-list.jwt'), list);
  for (const e of entries) say(`${e.country}  ${e.assuranceLevel.padEnd(11)} ${e.credentialTypes.join(', ')}`);
  say(`sequence 1, next update ${nextUpdate.toISOString().slice(0, 10)}, ${list.length} bytes`);

  step(4, 'Asha’s wallet makes her a holder DID');
  const wallet = await openWallet({ path: join(dir, 'asha-wallet.db'), secret: 'asha secret' });
  const asha = await wallet.createDid();
  say(`holder ${short(asha.did)}`);

  step(5, 'Trinidad and Tobago’s registry issues her national ID (vc+jwt, with revocation status) and publishes its status list');
  const issued = await tt.issue({
    type: 'NationalIdCredential',
    format: 'vc+jwt',
    status: ['revocation'],
    credentialSubject: { id: asha.did, givenName: 'Asha', familyName: 'Ramdial', birthDate: '1991-04-12', nationality: 'TT' },
    validUntil: new Date(Date.now() + 5 * 365 * 86_400_000),
  });
  await tt.publishStatusLists(published);
  say(`credential ${issued.id}, status ${issued.status[0].statusListCredential}#${issued.status[0].statusListIndex}`);

  const regional = { anchors: [anchor.did] };
  /**
   * A verifier as a bank or border post configures it: its own policy (national IDs
   * from any member state at or above an assurance level) over the shared regional list,
   * with its mirror of the published status lists as they are now.
   */
  const nationalIdPolicy = (minAssurance) => ({
    ...regional,
    accept: [{ countries: '*', credentialTypes: ['NationalIdCredential'], minAssurance }],
  });
  const nationalIdVerifier = (minAssurance) =>
    createVerifier({ policy: nationalIdPolicy(minAssurance), recognitionLists: [list], status: { lists: statusListsFrom(published) } });
  step(6, 'The wallet verifies it against the regional list before storing it');
  const received = await wallet.receive(issued.jwt, {
    policy: regional,
    recognitionLists: [list],
    status: { lists: statusListsFrom(published) },
  });
  say(`stored ${received.credential.id} (${received.credential.format}, ${received.credential.types.join(', ')})`);

  step(7, 'A bank in Barbados asks for her ID: nonce and audience bind the presentation to this exchange');
  const bank = nationalIdVerifier('substantial');
  const bankNonce = 'bb-bank-7f3a9c';
  const presentation = await wallet.present({
    credentials: [received.credential.id],
    audience: 'https://onboarding.bank.example.bb',
    nonce: bankNonce,
  });
  verdict(
    'the bank in Barbados',
    await bank.verifyPresentation(presentation, { nonce: bankNonce, audience: 'https://onboarding.bank.example.bb' }),
    'ACCEPTED',
  );

  step(8, 'Someone replays that presentation to another verifier');
  verdict(
    'the bank’s loans desk (another exchange)',
    await bank.verifyPresentation(presentation, { nonce: 'other-nonce', audience: 'https://loans.bank.example.bb' }),
    'NONCE_MISMATCH',
  );

  step(9, 'Jamaica’s border policy recognises national IDs at high assurance only');
  const border = nationalIdVerifier('high');
  const borderNonce = 'jm-border-55e1';
  const atBorder = await wallet.present({ credentials: [received.credential.id], audience: 'https://border.gov.jm', nonce: borderNonce });
  verdict(
    'the Jamaican border',
    await border.verifyPresentation(atBorder, { nonce: borderNonce, audience: 'https://border.gov.jm' }),
    'NOT_RECOGNIZED',
  );

  step(10, 'Trinidad and Tobago revokes the credential and republishes its status list');
  await tt.revoke(issued.id);
  await tt.publishStatusLists(published);
  const bankAfter = nationalIdVerifier('substantial');
  const again = await wallet.present({
    credentials: [received.credential.id],
    audience: 'https://onboarding.bank.example.bb',
    nonce: 'bb-bank-9d01',
  });
  verdict(
    'the bank in Barbados',
    await bankAfter.verifyPresentation(again, { nonce: 'bb-bank-9d01', audience: 'https://onboarding.bank.example.bb' }),
    'REVOKED',
  );

  step(11, 'An impostor signs a copy of the list with every authority raised to high assurance');
  const impostorDb = await openIssuer({ path: join(dir, 'impostor.db'), secret: 'impostor secret' });
  await impostorDb.createDid();
  const forged = await impostorDb.signRecognitionList({
    sequence: 2,
    nextUpdate,
    entries: entries.map((e) => ({ ...e, assuranceLevel: 'high' })),
  });
  const fooled = createVerifier({ policy: regional, recognitionLists: [forged], status: { lists: statusListsFrom(published) } });
  verdict('a verifier handed the forged list', await fooled.verifyCredential(issued.jwt), 'TRUST_LIST_INVALID');

  step(12, 'Trinidad and Tobago’s registry issues her national ID again, as an SD-JWT VC (dc+sd-jwt) bound to her wallet key');
  const sdNationalId = {
    type: 'NationalIdCredential',
    format: 'dc+sd-jwt',
    status: ['revocation', 'suspension'],
    credentialSubject: {
      id: asha.did,
      given_name: 'Asha',
      family_name: 'Ramdial',
      birthdate: '1991-04-12',
      nationality: 'TT',
      place_of_birth: { locality: 'San Fernando', country: 'TT' },
      address: { street_address: '14 Coffee Street', locality: 'San Fernando', country: 'TT' },
    },
    validUntil: new Date(Date.now() + 5 * 365 * 86_400_000),
  };
  const sdIssued = await tt.issue(sdNationalId);
  await tt.publishStatusLists(published);
  const sdPayload = JSON.parse(Buffer.from(sdIssued.jwt.split('~')[0].split('.')[1], 'base64url').toString('utf8'));
  say(`vct ${sdPayload.vct}, holder key in cnf, status ${sdPayload.status.status_list.uri}#${sdPayload.status.status_list.idx}`);
  say(`${sdIssued.jwt.split('~').length - 2} disclosures; the signed payload holds only their digests (and decoys)`);
  const sdReceived = await wallet.receive(sdIssued.jwt, {
    policy: regional,
    recognitionLists: [list],
    status: { lists: statusListsFrom(published) },
  });
  const disclosable = await wallet.disclosableClaims(sdReceived.credential.id);
  say(`the wallet verified and stored it; Asha can show or withhold each of: ${claimList(disclosable.map((d) => d.path))}`);

  step(13, 'The bank in Barbados needs her nationality: Asha shows only that');
  const bankSd = nationalIdVerifier('substantial');
  const bankSdNonce = 'bb-bank-sd-41c2';
  const toBank = await wallet.presentSdJwt({
    credential: sdReceived.credential.id,
    disclose: ['nationality'],
    nonce: bankSdNonce,
    audience: 'https://onboarding.bank.example.bb',
  });
  holderSide(toBank);
  sdJwtVerdict(
    'the bank in Barbados',
    await bankSd.verifyPresentation(toBank.presentation, { nonce: bankSdNonce, audience: 'https://onboarding.bank.example.bb' }),
    'ACCEPTED',
  );

  step(14, 'An age check in Jamaica needs to know she is over 18: Asha shows only age_over_18');
  // National IDs of any member state at substantial assurance (the border's rule is stricter).
  const ageCheck = nationalIdVerifier('substantial');
  const ageNonce = 'jm-age-0c77';
  const toAgeCheck = await wallet.presentSdJwt({
    credential: sdReceived.credential.id,
    disclose: ['age_over_18'],
    nonce: ageNonce,
    audience: 'https://age-check.example.jm',
  });
  holderSide(toAgeCheck);
  sdJwtVerdict(
    'the age check in Jamaica',
    await ageCheck.verifyPresentation(toAgeCheck.presentation, { nonce: ageNonce, audience: 'https://age-check.example.jm' }),
    'ACCEPTED',
  );

  step(15, 'Someone replays the bank’s SD-JWT presentation in another exchange (another nonce)');
  sdJwtVerdict(
    'the bank in Barbados (another exchange)',
    await bankSd.verifyPresentation(toBank.presentation, { nonce: 'bb-bank-sd-other', audience: 'https://onboarding.bank.example.bb' }),
    'NONCE_MISMATCH',
  );

  step(16, 'Trinidad and Tobago revokes the SD-JWT VC and republishes its Token Status List');
  await tt.revoke(sdIssued.id);
  await tt.publishStatusLists(published);
  const bankSdAfter = nationalIdVerifier('substantial');
  const sdAgain = await wallet.presentSdJwt({
    credential: sdReceived.credential.id,
    disclose: ['nationality'],
    nonce: 'bb-bank-sd-9e10',
    audience: 'https://onboarding.bank.example.bb',
  });
  sdJwtVerdict(
    'the bank in Barbados',
    await bankSdAfter.verifyPresentation(sdAgain.presentation, {
      nonce: 'bb-bank-sd-9e10',
      audience: 'https://onboarding.bank.example.bb',
    }),
    'REVOKED',
  );

  step(17, 'Trinidad and Tobago’s registry issues her national ID once more, as a Data Integrity credential (di, VCDM 2.0)');
  // The claims need a context that defines them: VCDM 2.0's undefined-terms context (bundled)
  // maps them into the credential's own vocabulary; a registry would rather publish its own.
  const diIssued = await tt.issue({
    type: 'NationalIdCredential',
    format: 'di',
    context: ['https://www.w3.org/ns/credentials/undefined-terms/v2'],
    status: ['revocation'],
    credentialSubject: { id: asha.did, givenName: 'Asha', familyName: 'Ramdial', birthDate: '1991-04-12', nationality: 'TT' },
    validUntil: new Date(Date.now() + 5 * 365 * 86_400_000),
  });
  await tt.publishStatusLists(published);
  const diProof = diIssued.credential.proof;
  say(`${diProof.type} (${diProof.cryptosuite}) by ${diProof.verificationMethod}`);
  say(`@context ${diIssued.credential['@context'].join(', ')}`);
  say(`credential ${diIssued.id}, status ${diIssued.status[0].statusListCredential}#${diIssued.status[0].statusListIndex}`);

  step(18, 'Her wallet verifies it against the regional list and stores it, proof included');
  const diReceived = await wallet.receive(diIssued.credential, {
    policy: regional,
    recognitionLists: [list],
    status: { lists: statusListsFrom(published) },
  });
  say(`stored ${diReceived.credential.id.slice(0, 24)}… (${diReceived.credential.format}, ${diReceived.credential.types.join(', ')})`);

  step(19, 'The Barbados border asks for her ID: a Data Integrity presentation with challenge and domain');
  // The same policy over the same regional list as the bank's: it names no `formats`, so
  // `di` is accepted as vc+jwt and dc+sd-jwt are (a policy that lists formats must list `di`).
  const bbBorder = nationalIdVerifier('substantial');
  const bbBorderChallenge = 'bb-border-d1a6';
  const diPresentation = await wallet.present({
    credentials: [diReceived.credential.id],
    nonce: bbBorderChallenge,
    audience: 'https://border.gov.bb',
    format: 'di',
  });
  say(`Asha’s wallet signs it (proof purpose ${diPresentation.proof.proofPurpose}), her credential inside as issued`);
  const atBbBorder = await bbBorder.verifyPresentation(diPresentation, { nonce: bbBorderChallenge, audience: 'https://border.gov.bb' });
  if (atBbBorder.verified) {
    const proofName = (p) => `${p.type}${p.cryptosuite ? ` (${p.cryptosuite})` : ''}`;
    say(
      `the border checked: presentation ${proofName(atBbBorder.proof)}, challenge ${atBbBorder.nonce}, domain ${atBbBorder.audience.join(', ')}`,
    );
    say(`                    credential ${proofName(atBbBorder.credentials[0].proof)} by ${atBbBorder.credentials[0].keyId}`);
  }
  verdict('the Barbados border', atBbBorder, 'ACCEPTED');

  step(20, 'Someone replays that Data Integrity presentation with another challenge');
  verdict(
    'the Barbados border (another exchange)',
    await bbBorder.verifyPresentation(diPresentation, { nonce: 'bb-border-other', audience: 'https://border.gov.bb' }),
    'NONCE_MISMATCH',
  );

  step(21, 'The bank in Barbados asks over OpenID4VP: a DCQL request made from its recognition policy, answered by direct_post');
  // Step 16 revoked her SD-JWT VC, so the registry issues her another one first.
  const sdFresh = await tt.issue(sdNationalId);
  await tt.publishStatusLists(published);
  const sdFreshReceived = await wallet.receive(sdFresh.jwt, {
    policy: regional,
    recognitionLists: [list],
    status: { lists: statusListsFrom(published) },
  });
  say('(the registry first issues her a new SD-JWT VC, as step 12 did: step 16 revoked that one)');
  bankServer = await serveOnLoopback();
  const bankPolicy = nationalIdPolicy('substantial');
  const bankOid4vp = new PresentationVerifier({
    responseUri: `${bankServer.base}/openid4vp/response`,
    clientName: 'Bank of Barbados, onboarding',
    verifier: createVerifier({ policy: bankPolicy, recognitionLists: [list], status: { lists: statusListsFrom(published) } }),
  });
  bankServer.mount('/openid4vp/response', (request) => bankOid4vp.handle(request));
  const needs = credentialNeedsFromPolicy(bankPolicy, { claims: ['given_name', 'family_name', 'nationality'], id: 'national_id' });
  const bankRequest = await bankOid4vp.createRequest({ needs });
  const dcql = bankRequest.request.dcql_query;
  say(`the bank’s server listens on ${bankServer.base} (loopback only); its QR code holds`);
  say(`  ${shortUri(bankRequest.uri)}`);
  say(`DCQL: ${dcql.credentials.map((q) => `${q.id} (${q.format})`).join(', ')}${dcql.credential_sets ? ': any one of them' : ''}`);
  say(`      claims ${needs[0].claims.join(', ')} (in W3C credentials, under credentialSubject)`);
  const asked = await wallet.parsePresentationRequest(bankRequest.uri);
  say(`Asha’s wallet reads it: “${asked.verifierName}” (${asked.clientId}) asks for`);
  const match = await wallet.matchPresentationRequest(asked);
  let chosen;
  for (const q of match.queries) {
    const fresh = q.candidates.find((c) => c.credential.id === sdFreshReceived.credential.id);
    if (q.candidates.length === 0) say(`  ${q.queryId} (${q.format}): nothing she holds answers it`);
    else if (!fresh) say(`  ${q.queryId} (${q.format}): ${q.candidates.length} credential(s), not the new one`);
    else {
      chosen = q.queryId;
      say(
        `  ${q.queryId} (${q.format}): ${q.candidates.length} of her credentials answer it (step 12’s, revoked since, and the new one); she picks the new one, which would show`,
      );
      say(`    ${fresh.disclose.map((d) => `${d.path.join('.')} = ${shown(d.value)}`).join('; ')}`);
      say(`    and withhold ${claimList(fresh.withheld ?? [])}`);
    }
  }
  if (match.queries.some((q) => q.format !== 'dc+sd-jwt' && q.candidates.length === 0))
    say('  (her vc+jwt and di IDs name the claims givenName and familyName, so they do not answer)');
  // The wallet posts with these: nothing goes beyond 127.0.0.1, and a copy of the answer
  // is kept so that step 22 can send it again.
  const loopbackOnly = (url, init) => {
    if (new URL(String(url)).hostname !== '127.0.0.1') throw new Error(`${url} is not on 127.0.0.1`);
    return fetch(url, init);
  };
  let sent;
  const keepingACopy = (url, init) => {
    sent = { url: String(url), body: init.body };
    return loopbackOnly(url, init);
  };
  const answer = await wallet.respondToPresentationRequest(asked, {
    choose: chosen ? { [chosen]: sdFreshReceived.credential.id } : undefined,
    fetch: keepingACopy,
  });
  for (const p of answer.presented)
    say(`Asha agrees: her wallet posts ${p.queryId} as ${p.format} (with a key-binding JWT), showing ${p.disclosed.join(', ')}`);
  say(`the bank answers ${answer.httpStatus} ${JSON.stringify(answer.body)}`);
  sessionVerdict('the bank in Barbados', await bankOid4vp.session(bankRequest.id), 'ACCEPTED');

  step(22, 'Someone who copied that response posts it to the bank again');
  const replay = await loopbackOnly(sent.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: sent.body,
  });
  const replayBody = await replay.json();
  say(`the bank answers ${replay.status} ${replayBody.status}`);
  say('→ REJECTED by the bank in Barbados (the same response again):');
  say(`  ${replayBody.code}: ${replayBody.error_description}`);
  const afterReplay = await bankOid4vp.session(bankRequest.id);
  say(
    `  its session stays ${afterReplay?.status}, with the first outcome (${afterReplay?.outcome?.credentials.length} credential, received ${afterReplay?.outcome?.receivedAt})`,
  );
  if (replayBody.code !== 'REPLAYED' || afterReplay?.status !== 'accepted') {
    failures++;
    say(`!! expected REPLAYED and the session still accepted, got ${replayBody.code} and ${afterReplay?.status}`);
  }

  step(23, 'The bank asks again; Asha declines');
  const secondRequest = await bankOid4vp.createRequest({ needs });
  const askedAgain = await wallet.parsePresentationRequest(secondRequest.uri);
  say(
    `a new request (another state and nonce) from “${askedAgain.verifierName}”; Asha says no, and her wallet tells the bank (error=access_denied)`,
  );
  const declined = await wallet.declinePresentationRequest(askedAgain, { fetch: loopbackOnly });
  say(`the bank answers ${declined.httpStatus} ${JSON.stringify(declined.body)}; nothing was presented`);
  sessionVerdict('the bank in Barbados', await bankOid4vp.session(secondRequest.id), 'DECLINED');

  await bankServer.close();
  bankServer = undefined;
  for (const db of [anchorDb, tt, bb, jm, impostorDb, wallet]) await db.close();
  console.log(
    `\n${failures === 0 ? 'All steps behaved as expected' : `${failures} step(s) did not behave as expected`} (${((performance.now() - started) / 1000).toFixed(1)} s).`,
  );
} finally {
  await bankServer?.close();
  if (keep) console.log(`Working folder kept: ${dir} (delete it when done).`);
  else {
    rmSync(dir, { recursive: true, force: true });
    console.log(`Working folder ${dir} deleted; to keep it, run with --keep (pnpm demo --keep) or TRADEWIND_DEMO_KEEP=1.`);
  }
}
process.exitCode = failures === 0 ? 0 : 1;
