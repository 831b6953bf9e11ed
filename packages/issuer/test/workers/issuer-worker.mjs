// Child process for the multi-process tests: runs against the built package, as an
// agency's service would. Usage: node issuer-worker.mjs '<json options>'
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openIssuer } from '../../dist/index.js';

const options = JSON.parse(process.argv[2]);
const issuer = await openIssuer({ path: options.path, secret: options.secret, ...(options.open ?? {}) });

if (options.killAfterSignatures !== undefined) {
  // Fault injection: die with SIGKILL in the middle of a transaction, after the
  // n-th signature (signing happens inside the issuance transaction).
  let signatures = 0;
  const kms = issuer.agent.kms;
  const sign = kms.signBytes.bind(kms);
  kms.signBytes = async (...args) => {
    signatures += 1;
    if (signatures === options.killAfterSignatures) process.kill(process.pid, 'SIGKILL');
    return sign(...args);
  };
}

if (options.killDuringOutputWrite !== undefined) {
  // Fault injection: the n-th write to a file writes half of its bytes, then the
  // process dies with SIGKILL (a torn line in the batch output).
  const probe = await open(fileURLToPath(import.meta.url), 'r');
  const proto = Object.getPrototypeOf(probe);
  await probe.close();
  const write = proto.write;
  let writes = 0;
  proto.write = async function (buffer, offset = 0, length = buffer.length - offset, position = null) {
    writes += 1;
    if (writes === options.killDuringOutputWrite) {
      await write.call(this, buffer, offset, Math.floor(length / 2), position);
      process.kill(process.pid, 'SIGKILL');
    }
    return write.call(this, buffer, offset, length, position);
  };
}

if (options.mode === 'create') {
  const did = await issuer.createDid();
  const c = await issuer.issue({ issuer: did.did, type: 'T', credentialSubject: { worker: options.worker } });
  process.stdout.write(JSON.stringify({ did: did.did, id: c.id }));
} else if (options.mode === 'issue') {
  const issued = [];
  for (let i = 0; i < options.count; i++) {
    const c = await issuer.issue({
      type: 'NationalIdCredential',
      credentialSubject: { id: `did:example:${options.worker}-${i}`, worker: options.worker, n: i },
      status: ['revocation', 'suspension'],
    });
    issued.push({ id: c.id, status: c.status });
  }
  const many = await issuer.issueMany(
    Array.from({ length: options.manyCount ?? 0 }, (_, i) => ({
      type: 'NationalIdCredential',
      credentialSubject: { id: `did:example:${options.worker}-many-${i}`, worker: options.worker },
      status: ['revocation'],
    })),
  );
  for (const c of many) issued.push({ id: c.id, status: c.status });
  process.stdout.write(JSON.stringify({ issued }));
} else if (options.mode === 'batch') {
  const result = await issuer.issueBatch(
    { path: options.input },
    {
      type: 'BirthCertificate',
      transactionSize: options.transactionSize,
      ...(options.output ? { outputPath: options.output } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      onProgress: (p) => process.stderr.write(`${JSON.stringify(p)}\n`),
    },
  );
  process.stdout.write(JSON.stringify(result));
}
await issuer.close();
